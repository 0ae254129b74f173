package letters

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/forms"
)

// Copy is what a copy of an application holds: the answers as the form
// lays them out (forms.Form.View), and the files sent with them.
type Copy struct {
	Lang forms.Lang
	// Title is the form's ("Søknad om bostøtte").
	Title     string
	Reference string
	// Kommune handles the application: its name.
	Kommune     string
	SubmittedAt time.Time
	// Month is the month applied for ("2026-12"), where the form has one.
	Month    string
	Sections []forms.Section
	Files    []File
}

// File is one attachment as the copy lists it.
type File struct {
	Attachment string // the attachment's label: "Lønnsslipp"
	Name       string
	Size       int64
}

// CopyOf writes the copy: the reference, when and to whom it was sent,
// every page's answers under the form's labels, and the attachments.
func CopyOf(c Copy) ([]byte, error) {
	if c.Reference == "" || c.SubmittedAt.IsZero() {
		return nil, fmt.Errorf("a copy needs the application's reference and the time it was sent")
	}
	l := c.Lang
	p := newPage(c.Title+" – "+c.Reference, c.Kommune, l, c.SubmittedAt)
	p.heading(c.Title, 16)
	p.lines(tCopyTitle.in(l))
	p.pdf.Ln(3)
	head := [][2]string{{tReference.in(l), c.Reference}, {tSubmitted.in(l), dateTime(c.SubmittedAt, l)}}
	if c.Kommune != "" {
		head = append(head, [2]string{tKommune.in(l), c.Kommune})
	}
	if c.Month != "" {
		head = append(head, [2]string{tMonth.in(l), month(c.Month, l)})
	}
	p.facts(head)
	p.para(tCopyNote.in(l))
	for _, s := range c.Sections {
		p.rule()
		p.heading(s.Title, 12)
		var rows [][2]string
		for _, r := range s.Rows {
			if r.Heading {
				if len(rows) > 0 {
					p.facts(rows)
					rows = nil
				}
				p.bold(r.Label)
				p.pdf.Ln(1)
				continue
			}
			v := r.Value
			switch {
			case strings.TrimSpace(v) != "":
			case r.Optional:
				v = tNotGiven.in(l) // left out on purpose, not missing
			default:
				v = tUnanswered.in(l)
			}
			rows = append(rows, [2]string{r.Label, v})
		}
		p.facts(rows)
	}
	p.rule()
	p.heading(tAttachments.in(l), 12)
	if len(c.Files) == 0 {
		p.para(tNoAttachment.in(l))
	}
	var rows [][2]string
	for _, f := range c.Files {
		rows = append(rows, [2]string{f.Attachment, f.Name + " (" + size(f.Size, l) + ")"})
	}
	p.facts(rows)
	return p.bytes()
}

// size writes a file's size in kB or MB, with a decimal comma in Norwegian.
func size(n int64, lang forms.Lang) string {
	s := fmt.Sprintf("%.0f kB", max(float64(n)/1000, 1))
	if n >= 1_000_000 {
		s = fmt.Sprintf("%.1f MB", float64(n)/1_000_000)
	}
	if lang != forms.English {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// FormCopy writes the copy of an application of a form: its title, its
// answers as the form lays them out in the copy's language, and the files
// the document holds, in the form's order, each under its attachment's
// label. data is the application's document as stored (a JSON object).
func FormCopy(f *forms.Form, data []byte, c Copy) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("copy of %s: %w", c.Reference, err)
	}
	c.Title, c.Sections, c.Files = f.Text(c.Lang, "form.title"), f.View(doc, c.Lang), nil
	atts, _ := doc["attachments"].(map[string]any)
	for _, rule := range f.Rules.Attachments {
		att, _ := atts[rule.ID].(map[string]any)
		files, _ := att["files"].([]any)
		for _, file := range files {
			m, _ := file.(map[string]any)
			name, _ := m["name"].(string)
			size, _ := m["size"].(float64)
			c.Files = append(c.Files, File{Attachment: f.Text(c.Lang, "attachment."+rule.ID+".label"), Name: name, Size: int64(size)})
		}
	}
	return CopyOf(c)
}
