package forms

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/skjema/skjema/forms/answer"
	"github.com/skjema/skjema/forms/jsondoc"
)

// Section is one page of a document as a person reads it: the page's title
// and its visible answers in layout order. A caseworker sees applications
// this way, with the form's own labels rather than raw JSON.
type Section struct {
	ID    string
	Title string
	Rows  []Row
}

// Row is one answer of a document.
type Row struct {
	// Pointer is the answer's concrete JSON pointer (/household/1/givenName).
	Pointer string
	// Label is the field's label; inside a repeating group, with the item
	// ("Fornavn til husstandsmedlem 2").
	Label string
	// Value is the answer as shown: an option's text, Ja/Nei, an amount in
	// groups of three digits. Empty when the question is unanswered.
	Value string
	// Heading marks a repeating group's item ("Husstandsmedlem 2"): a row
	// that holds no answer of its own.
	Heading bool
	// Editable tells whether the value is a single answer a caseworker may
	// correct (not a group heading or an attachment list).
	Editable bool
	// Optional: the form never requires this answer, so an empty one is
	// left out on purpose, not missing.
	Optional bool
}

// View lays a document out by pages, dropping pages and fields its conditions
// hide, in the language asked for.
func (f *Form) View(doc map[string]any, lang Lang) []Section {
	t, ok := f.texts[lang]
	if !ok {
		t = f.texts[Langs[0]]
	}
	clean, hidden := f.prepare(doc)
	var out []Section
	for pi, p := range f.Layout.Pages {
		if !p.When.Eval(clean, nil) {
			continue
		}
		sec := Section{ID: p.ID, Title: t["page."+p.ID+".title"]}
		for _, fi := range f.pageFields[pi] {
			f.viewField(&sec, clean, hidden, t, nil, nil, fi)
		}
		if len(sec.Rows) > 0 {
			out = append(out, sec)
		}
	}
	return out
}

func (f *Form) viewField(sec *Section, doc map[string]any, hidden map[string]bool, t texts, prefix []string, indexes []int, fi *fieldInfo) {
	parts := append(prefix[:len(prefix):len(prefix)], fi.rel...)
	ptr := jsondoc.Join(parts)
	if hidden[ptr] || fi.widget == "checklist" {
		return
	}
	if fi.widget == "repeat" {
		v, _ := jsondoc.Lookup(doc, parts)
		items, _ := v.([]any)
		if len(items) == 0 {
			sec.Rows = append(sec.Rows, Row{Pointer: ptr, Label: t[fi.textKey+".label"], Value: t["ui.group.empty"]})
		}
		for i := range items {
			item := t.format("group."+fi.id+".item", "{n}", strconv.Itoa(i+1))
			if item != "" {
				item = strings.ToUpper(item[:1]) + item[1:]
			}
			itemParts := append(parts[:len(parts):len(parts)], strconv.Itoa(i))
			sec.Rows = append(sec.Rows, Row{Pointer: jsondoc.Join(itemParts), Label: item, Heading: true})
			for _, c := range fi.children {
				f.viewField(sec, doc, hidden, t, itemParts, append(indexes, i), c)
			}
		}
		return
	}
	v, _ := jsondoc.Lookup(doc, parts)
	if v == nil && fi.widget == "checkbox" {
		v = false // a box left unticked is a no, as she saw it
	}
	sec.Rows = append(sec.Rows, Row{Pointer: ptr, Label: f.label(t, fi, indexes), Value: f.display(t, fi, v), Editable: true,
		Optional: fi.optional})
}

// display shows one answer the way the form asked it.
func (f *Form) display(t texts, fi *fieldInfo, v any) string {
	if v == nil {
		return ""
	}
	switch fi.widget {
	case "yesno", "checkbox":
		if b, ok := v.(bool); ok {
			if b {
				return t["option.yes"]
			}
			return t["option.no"]
		}
	case "radio":
		if s := t["option."+fi.id+"."+fmt.Sprint(v)]; s != "" {
			return s
		}
	case "amount":
		if s := answer.Grouped(fmt.Sprint(v)); s != "" {
			return s + "\u00a0kr"
		}
	}
	// Identifiers as people write them (review finding 26): a kontonummer
	// 1351.16.15598, a fødselsnummer 120385 12356.
	if s, ok := v.(string); ok && answer.Digits(s) {
		switch {
		case fi.format == "kontonummer" && len(s) == 11:
			return s[:4] + "." + s[4:6] + "." + s[6:]
		case fi.format == "fodselsnummer" && len(s) == 11:
			return s[:6] + "\u00a0" + s[6:]
		case fi.format == "organisasjonsnummer" && len(s) == 9:
			return s[:3] + "\u00a0" + s[3:6] + "\u00a0" + s[6:]
		}
	}
	return fmt.Sprint(v)
}

// ErrNoSuchField: the pointer names no single answer of the form.
var ErrNoSuchField = errors.New("no such field")

// Field describes the answer at a concrete pointer of a document, for a
// correction. A group, the attachment checklist or a pointer the layout does
// not know is ErrNoSuchField.
func (f *Form) Field(doc map[string]any, pointer string, lang Lang) (answer.Spec, error) {
	t, ok := f.texts[lang]
	if !ok {
		t = f.texts[Langs[0]]
	}
	parts := jsondoc.Split(pointer)
	tmpl, indexes := jsondoc.TemplateOf(doc, parts)
	fi := f.fields[tmpl]
	if fi == nil || fi.layout == nil || fi.widget == "repeat" || fi.widget == "checklist" || len(parts) == 0 {
		return answer.Spec{}, fmt.Errorf("%w: %s", ErrNoSuchField, pointer)
	}
	if fi.group != nil {
		// The group item must exist: a correction never adds a person.
		if _, ok := jsondoc.Lookup(doc, parts[:len(parts)-len(fi.rel)]); !ok {
			return answer.Spec{}, fmt.Errorf("%w: %s", ErrNoSuchField, pointer)
		}
	}
	spec := answer.Spec{Pointer: jsondoc.Join(parts), Label: f.label(t, fi, indexes), Widget: fi.widget}
	switch fi.widget {
	case "yesno", "checkbox":
		spec.Options = []answer.Option{{Value: "true", Label: t["option.yes"]}, {Value: "false", Label: t["option.no"]}}
	case "radio":
		for _, v := range enumValues(schemaAt(f.schemaDoc, tmpl)) {
			spec.Options = append(spec.Options, answer.Option{Value: v, Label: t["option."+fi.id+"."+v]})
		}
	}
	if v, ok := jsondoc.Lookup(doc, parts); ok && v != nil {
		spec.Value = fmt.Sprint(v)
	}
	return spec, nil
}
