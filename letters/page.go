package letters

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/skjema/skjema/forms"
)

// The page: A4 in millimetres, with margins wide enough to punch and file.
const (
	margin   = 22.0
	width    = 210 - 2*margin
	bodySize = 10.5
	line     = 5.2
	font     = "go"
)

// page is one document being written.
type page struct {
	pdf  *fpdf.Fpdf
	lang forms.Lang
}

// newPage starts a document with its metadata; at is its date, so that the
// same letter gives the same bytes.
func newPage(title, author string, lang forms.Lang, at time.Time) *page {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin)
	p.AddUTF8FontFromBytes(font, "", goregular.TTF)
	p.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	p.SetTitle(drawable(title), true)
	p.SetAuthor(drawable(author), true)
	p.SetCreator("Skjema", true)
	p.SetProducer("Skjema", true)
	p.SetLang(string(lang))
	p.SetCreationDate(at.UTC())
	p.SetModificationDate(at.UTC())
	p.SetCatalogSort(true)
	p.AliasNbPages("{nb}")
	pg := &page{pdf: p, lang: lang}
	p.SetFooterFunc(func() {
		p.SetY(-margin + 6)
		p.SetFont(font, "", 8.5)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 4, fmt.Sprintf(tPage.in(lang), p.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	return pg
}

// drawable returns s as the embedded font can draw it: fpdf refuses a
// character beyond the Basic Multilingual Plane (an emoji, say) with an
// error, and a control character or broken UTF-8 would print as noise. Each
// such character becomes U+FFFD, so that what the citizen typed around it
// stays, and a letter is always written.
func drawable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r > 0xFFFF, unicode.IsControl(r), r == utf8.RuneError:
			return '\uFFFD'
		case unicode.Is(unicode.Cf, r): // zero-width joiners and bidi marks draw nothing
			return -1
		}
		return r
	}, s)
}

// heading writes a heading of the given size.
func (p *page) heading(s string, size float64) {
	p.pdf.SetFont(font, "B", size)
	p.pdf.MultiCell(width, size*0.5, drawable(s), "", "L", false)
	p.pdf.Ln(1.5)
}

// para writes a paragraph, and the space after it.
func (p *page) para(s string) {
	p.pdf.SetFont(font, "", bodySize)
	p.pdf.MultiCell(width, line, drawable(s), "", "L", false)
	p.pdf.Ln(2.5)
}

// bold writes a line in bold.
func (p *page) bold(s string) {
	p.pdf.SetFont(font, "B", bodySize)
	p.pdf.MultiCell(width, line, drawable(s), "", "L", false)
}

// lines writes lines with no space between them.
func (p *page) lines(ls ...string) {
	p.pdf.SetFont(font, "", bodySize)
	for _, l := range ls {
		if strings.TrimSpace(l) != "" {
			p.pdf.MultiCell(width, line, drawable(l), "", "L", false)
		}
	}
}

// bullets writes a list.
func (p *page) bullets(items []string) {
	p.pdf.SetFont(font, "", bodySize)
	for _, it := range items {
		y := p.pdf.GetY()
		p.pdf.SetX(margin)
		p.pdf.CellFormat(5, line, "•", "", 0, "L", false, 0, "")
		p.pdf.SetXY(margin+5, y)
		p.pdf.MultiCell(width-5, line, drawable(it), "", "L", false)
	}
	p.pdf.Ln(2.5)
}

// facts writes label–value pairs in two columns, a label in grey.
func (p *page) facts(rows [][2]string) {
	const labelWidth = 62.0
	for _, r := range rows {
		p.pdf.SetFont(font, "", bodySize)
		// Both columns wrap; the row is as tall as the taller one.
		label, value := drawable(r[0]), drawable(r[1])
		labels := p.pdf.SplitText(label, labelWidth-3)
		values := p.pdf.SplitText(value, width-labelWidth)
		if len(values) == 0 {
			values = []string{""}
		}
		h := float64(max(len(labels), len(values))) * line
		if p.pdf.GetY()+h > 297-margin {
			p.pdf.AddPage()
		}
		y := p.pdf.GetY()
		p.pdf.SetTextColor(70, 70, 70)
		p.pdf.SetXY(margin, y)
		p.pdf.MultiCell(labelWidth-3, line, label, "", "L", false)
		p.pdf.SetTextColor(0, 0, 0)
		p.pdf.SetXY(margin+labelWidth, y)
		p.pdf.MultiCell(width-labelWidth, line, value, "", "L", false)
		p.pdf.SetY(y + h + 1)
	}
	p.pdf.Ln(2)
}

// rule draws a thin line across the page.
func (p *page) rule() {
	y := p.pdf.GetY() + 1
	p.pdf.SetDrawColor(180, 180, 180)
	p.pdf.Line(margin, y, margin+width, y)
	p.pdf.SetY(y + 3)
}

// bytes ends the document.
func (p *page) bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := p.pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return b.Bytes(), nil
}
