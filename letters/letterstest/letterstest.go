// Package letterstest reads the text back out of a PDF, for tests that
// check what a letter says rather than that some bytes came back.
package letterstest

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

// Text is a PDF's text, page after page, with runs of white space made
// one space (a line break in the PDF is a space here). It fails the test
// on anything that is not a readable PDF.
func Text(t testing.TB, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.40q", b)
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	var out strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		// Runs of text come glyph by glyph or word by word: a gap to the
		// next, or a new line, is a space.
		var prev pdf.Text
		for i, c := range p.Content().Text {
			if i > 0 && (math.Abs(c.Y-prev.Y) > 1 || c.X > prev.X+prev.W+0.5) {
				out.WriteString(" ")
			}
			out.WriteString(c.S)
			prev = c
		}
		out.WriteString(" ")
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(out.String(), "\u00a0", " ")), " ")
}
