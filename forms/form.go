package forms

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/forms/serviceability"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/rules"
)

// Form is one compiled definition. It is read-only and safe for concurrent use.
type Form struct {
	ID      string
	Version string
	Agency  string
	Layout  Layout
	Rules   Rules

	schema    *jsonschema.Schema
	schemaDoc map[string]any
	texts     map[Lang]texts
	raw       *definition
	budget    *serviceability.Budget // the serviceability's living costs, if the form has one
	env       *environment

	fields      map[string]*fieldInfo // by pointer template
	pageFields  [][]*fieldInfo        // top-level fields of each page
	order       []*fieldInfo          // layout order
	attachPage  string                // the page holding the checklist
	attachOrder int                   // the checklist's place in the layout
}

// Definition is what a client needs to render the form: the files as they
// were loaded, untouched. Texts are keyed by language.
type Definition struct {
	ID      string                   `json:"id"`
	Version string                   `json:"version"`
	Schema  json.RawMessage          `json:"schema"`
	Layout  json.RawMessage          `json:"layout"`
	Rules   json.RawMessage          `json:"rules,omitempty"`
	Texts   map[Lang]json.RawMessage `json:"texts"`
}

// Definition returns the form's definition files for clients.
func (f *Form) Definition() Definition {
	return Definition{ID: f.ID, Version: f.Version, Schema: f.raw.schema, Layout: f.raw.layout, Rules: f.raw.rules, Texts: f.raw.texts}
}

// Text returns a text of the form in a language ("" when there is none).
func (f *Form) Text(lang Lang, key string) string {
	if t, ok := f.texts[lang]; ok {
		return t[key]
	}
	return f.texts[Bokmal][key] // no language asked for
}

func compileForm(id string, d *definition, env *environment) (*Form, error) {
	f := &Form{ID: id, raw: d, env: env, texts: map[Lang]texts{}, fields: map[string]*fieldInfo{}}
	if err := decodeStrict(d.layout, &f.Layout); err != nil {
		return nil, fmt.Errorf("layout.json: %w", err)
	}
	if d.rules != nil {
		if err := decodeStrict(d.rules, &f.Rules); err != nil {
			return nil, fmt.Errorf("rules.json: %w", err)
		}
	}
	if c := f.Rules.Serviceability; c != nil {
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("rules.json: serviceability: %w", err)
		}
		b, err := serviceability.LoadBudget(d.fsys, d.dir, *c)
		if err != nil {
			return nil, fmt.Errorf("rules.json: serviceability: %w", err)
		}
		f.budget = &b
	}
	if f.Layout.Form != id {
		return nil, fmt.Errorf("layout.json names form %q, but it lies in directory %q", f.Layout.Form, id)
	}
	if f.Layout.Version == "" {
		return nil, fmt.Errorf("layout.json: version is required")
	}
	f.Version, f.Agency = f.Layout.Version, f.Layout.Agency
	for _, l := range Langs {
		t := texts{}
		if err := json.Unmarshal(d.texts[l], &t); err != nil {
			return nil, fmt.Errorf("texts.%s.json: %w", l, err)
		}
		f.texts[l] = t
	}
	if err := json.Unmarshal(d.schema, &f.schemaDoc); err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	var err error
	if f.schema, err = compileSchema(id, d.schema, env.formats()); err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	for pi := range f.Layout.Pages {
		p := &f.Layout.Pages[pi]
		var top []*fieldInfo
		for i := range p.Fields {
			top = append(top, f.index(p.ID, "", &p.Fields[i], nil))
		}
		f.pageFields = append(f.pageFields, top)
	}
	f.Rules.Prepare()
	for _, a := range f.Rules.Attachments {
		fi := &fieldInfo{id: "attachment." + a.ID, textKey: "attachment." + a.ID, template: "/attachments/" + a.ID, page: f.attachPage, order: f.attachOrder}
		f.fields[fi.template] = fi
		f.order = append(f.order, fi)
	}
	return f, nil
}

// index records a field and its children in layout order.
func (f *Form) index(page, prefix string, fld *Field, group *fieldInfo) *fieldInfo {
	tmpl := prefix + fld.Pointer
	id := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(tmpl, "/"), "/*", ""), "/", ".")
	fi := &fieldInfo{
		id:       id,
		textKey:  "field." + id,
		template: tmpl,
		page:     page,
		order:    len(f.order),
		widget:   fld.Widget,
		group:    group,
		layout:   fld,
		rel:      jsondoc.Split(fld.Pointer),
		optional: !mayRequire(f.schemaDoc, tmpl),
	}
	if s := schemaAt(f.schemaDoc, tmpl); s != nil {
		fi.format, _ = s["format"].(string)
		fi.schemaType, _ = s["type"].(string)
	}
	if fld.Widget == "checklist" {
		f.attachPage, f.attachOrder = page, fi.order
	}
	f.fields[tmpl] = fi
	f.order = append(f.order, fi)
	for i := range fld.Fields {
		fi.children = append(fi.children, f.index(page, tmpl+"/*", &fld.Fields[i], fi))
	}
	return fi
}

// label names a field in messages: its short name if it has one, else its
// label, and "… til husstandsmedlem 2" inside a repeating group.
func (f *Form) label(t texts, fi *fieldInfo, indexes []int) string {
	name := t[fi.textKey+".name"]
	if name == "" {
		name = t[fi.textKey+".label"]
	}
	if item := f.item(t, fi, indexes); item != "" {
		name = t.format("pattern.inGroup", "{field}", name, "{item}", item)
	}
	return name
}

// item names the group item a field belongs to ("husstandsmedlem 2"), or
// is empty for a field outside a group.
func (f *Form) item(t texts, fi *fieldInfo, indexes []int) string {
	if fi == nil || fi.group == nil || len(indexes) == 0 {
		return ""
	}
	return t.format("group."+fi.group.id+".item", "{n}", fmt.Sprint(indexes[len(indexes)-1]+1))
}

// ReviewReasons evaluates the form's routing rules on a prepared document
// (as a submission stores it), with ages on the day on: the ids of those
// that hold, in rule order. None means the application can go straight to
// the agency.
func (f *Form) ReviewReasons(doc map[string]any, on time.Time) []string {
	return f.Rules.ReviewReasons(doc, on)
}

// CostCeiling is the ceiling for a prepared document of the form in a
// kommune, and false when the form has none.
func (f *Form) CostCeiling(doc map[string]any, kommune string) (rules.Ceiling, bool) {
	return f.Rules.Ceiling.For(doc, kommune)
}

// Serviceability computes the betjeningsevne of an application's answers at
// the caseworker's terms (package serviceability); ok is false for a form
// that has none.
func (f *Form) Serviceability(doc map[string]any, terms serviceability.Terms) (res serviceability.Result, ok bool, err error) {
	if f.Rules.Serviceability == nil || f.budget == nil {
		return serviceability.Result{}, false, nil
	}
	res, err = serviceability.Compute(doc, *f.Rules.Serviceability, *f.budget, terms)
	return res, true, err
}
