package forms

import (
	"strconv"

	"github.com/skjema/skjema/forms/jsondoc"
)

// Evidence is what a routing rule read where it holds for a document, as a
// caseworker needs it to see why the application came to her without
// looking for it (review finding 25): one line per answer the rule reads,
// "Label: answer", with the form's labels and the answers shown as in
// View. A rule over a repeating group ("some") gives the lines of the items
// it holds for ("Bor ikke her, husstandsmedlem 2: Ja"). Nil for a code that
// is no routing rule of the form, or that does not hold.
func (f *Form) Evidence(doc map[string]any, code string, lang Lang) []string {
	t, ok := f.texts[lang]
	if !ok {
		t = f.texts[Langs[0]]
	}
	for _, r := range f.Rules.Routing {
		if r.ID != code || r.When == nil {
			continue
		}
		var out []string
		line := func(parts []string) {
			tmpl, indexes := jsondoc.TemplateOf(doc, parts)
			fi := f.fields[tmpl]
			if fi == nil {
				return
			}
			v, _ := jsondoc.Lookup(doc, parts)
			shown := f.display(t, fi, v)
			if shown == "" {
				shown = "–"
			}
			out = append(out, f.label(t, fi, indexes)+": "+shown)
		}
		var visit func(c *jsondoc.Condition, item []string)
		visit = func(c *jsondoc.Condition, item []string) {
			switch {
			case c == nil:
			case c.Some != "":
				list, _ := jsondoc.Lookup(doc, jsondoc.Split(c.Some))
				items, _ := list.([]any)
				for i, it := range items {
					if c.Where.Eval(doc, it) {
						visit(c.Where, append(jsondoc.Split(c.Some), strconv.Itoa(i)))
					}
				}
			case c.Field != "" && c.Field[0] == '/':
				line(jsondoc.Split(c.Field))
			case c.Field != "":
				line(append(item[:len(item):len(item)], jsondoc.Split("/"+c.Field)...))
			default:
				for i := range c.All {
					visit(&c.All[i], item)
				}
				for i := range c.Any {
					visit(&c.Any[i], item)
				}
				visit(c.Not, item)
			}
		}
		if r.When.Eval(doc, nil) {
			visit(r.When, nil)
		}
		return out
	}
	return nil
}
