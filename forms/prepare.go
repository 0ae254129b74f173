package forms

import (
	"strconv"
	"strings"

	"github.com/skjema/skjema/forms/answer"
	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
)

// prepare copies a document into the form the validator and the store see:
// strings trimmed, empty strings and nulls dropped (an emptied input is an
// unanswered question), identifiers and amounts normalised, and every value
// of a hidden page, field or attachment removed, so that what the citizen can
// no longer see is neither required nor submitted. It answers the copy and the
// concrete pointers that are hidden.
func (f *Form) prepare(doc map[string]any) (map[string]any, map[string]bool) {
	clean, _ := cleanValue(doc).(map[string]any)
	if clean == nil {
		clean = map[string]any{}
	}
	hidden := map[string]bool{}
	for pi, p := range f.Layout.Pages {
		visible := p.When.Eval(clean, nil)
		for _, fi := range f.pageFields[pi] {
			f.prepareField(clean, nil, fi, nil, visible, hidden)
		}
	}
	for _, a := range f.Rules.Attachments {
		if !a.When.Eval(clean, nil) {
			ptr := "/attachments/" + a.ID
			jsondoc.Remove(clean, jsondoc.Split(ptr))
			hidden[ptr] = true
		}
	}
	return clean, hidden
}

// prepareField walks fields in layout order, so that a field whose condition
// reads an earlier field sees that field already hidden or kept. prefix is the
// group item's parts inside a repeating group.
func (f *Form) prepareField(doc map[string]any, prefix []string, fi *fieldInfo, item any, visible bool, hidden map[string]bool) {
	parts := fi.rel
	if prefix != nil {
		parts = append(prefix[:len(prefix):len(prefix)], fi.rel...)
	}
	if !visible || !fi.layout.When.Eval(doc, item) {
		jsondoc.Remove(doc, parts)
		hidden[jsondoc.Join(parts)] = true
		return
	}
	if fi.widget == "repeat" {
		arr, _ := jsondoc.Lookup(doc, parts)
		items, _ := arr.([]any)
		for i, it := range items {
			itemParts := append(parts[:len(parts):len(parts)], strconv.Itoa(i))
			for _, c := range fi.children {
				f.prepareField(doc, itemParts, c, it, true, hidden)
			}
		}
		return
	}
	if len(parts) == 0 {
		return
	}
	// Make the containers exist, so a missing answer is reported at the
	// field itself rather than as a missing section.
	parent, ok := jsondoc.Lookup(doc, parts[:len(parts)-1])
	if !ok && item == nil {
		parent, ok = jsondoc.EnsureObject(doc, parts[:len(parts)-1])
	}
	m, isObject := parent.(map[string]any)
	if !ok || !isObject {
		return
	}
	key := parts[len(parts)-1]
	if v, ok := m[key]; ok {
		if nv, changed := normalise(fi, v); changed {
			m[key] = nv
		}
	}
}

// normalise rewrites a value the way it is stored: a kontonummer,
// fødselsnummer or organisasjonsnummer as bare digits, an amount typed as "12 000" as a number.
// Invalid values are left for the validator to report.
func normalise(fi *fieldInfo, v any) (any, bool) {
	s, ok := v.(string)
	if !ok {
		return v, false
	}
	switch {
	case fi.format == "kontonummer":
		if n, err := nid.Kontonummer(s); err == nil && n != s {
			return n, true
		}
	case fi.format == "fodselsnummer":
		if n, ok := nid.UngroupFodselsnummer(s); ok && n != s {
			return n, true
		}
	case fi.format == "organisasjonsnummer":
		if n, err := nid.Organisasjonsnummer(s); err == nil && n != s {
			return n, true
		}
	case fi.schemaType == "integer":
		if n, ok := answer.WholeNumber(s); ok {
			return n, true
		}
	}
	return v, false
}

// cleanValue deep-copies a decoded JSON value, trimming strings and dropping
// object members that are null or empty strings.
func cleanValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c := cleanValue(e)
			if c == nil {
				continue
			}
			if s, ok := c.(string); ok && s == "" {
				continue
			}
			out[k] = c
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cleanValue(e)
		}
		return out
	case string:
		return strings.TrimSpace(x)
	}
	return v
}
