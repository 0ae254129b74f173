package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/prefill"
	"github.com/skjema/skjema/forms/rules"
)

// Layout is layout.json: the form's identity and its pages in order.
type Layout struct {
	Form    string `json:"form"`
	Version string `json:"version"`
	// Agency is the state agency that decides applications of this form,
	// on the agency road.
	Agency string `json:"agency,omitempty"`
	// Road is what an application goes through after submit: RoadAgency
	// (the default: the routing rules send it straight into a batch for
	// the agency, or to a caseworker first) or RoadKommune (the kommune
	// decides it: every application to a caseworker, no batches).
	Road Road `json:"road,omitempty"`
	// Calendar is the form's application calendar: CalendarMonthly (the
	// default on the agency road: a monthly deadline decides the month
	// applied for) or CalendarNone (applications are handled as they come).
	Calendar Calendar `json:"calendar,omitempty"`
	// DecisionReasons are the codes of the reasons a caseworker can give
	// for refusing an application the kommune decides, in order; texts
	// decision.reason.<code> name them.
	DecisionReasons []string `json:"decisionReasons,omitempty"`
	// ReferencePrefix starts the human reference of a submission, as in
	// BOS-2026-000123.
	ReferencePrefix string `json:"referencePrefix"`
	// Applicant is the pointer of the applicant's fødselsnummer, if the
	// form has one: a second application from the same applicant for the
	// same month in the same kommune goes to a caseworker as a duplicate.
	Applicant string `json:"applicant,omitempty"`
	// ApplicantName are the pointers of the applicant's name in order
	// (given name, family name): a caseworker sees a case by it, and finds
	// it again by a search.
	ApplicantName []string `json:"applicantName,omitempty"`
	// CoApplicantName are the pointers of the name of each person who
	// applies with her, inside a repeating group
	// ("/coApplicants/*/givenName"): a decision letter is addressed to all
	// who applied.
	CoApplicantName []string `json:"coApplicantName,omitempty"`
	// SignIn is the level of assurance the applicant signs in at with
	// ID-porten; her fødselsnummer (Applicant) is then the one ID-porten
	// gives, not typed. Empty: the form needs no sign-in.
	SignIn Level `json:"signIn,omitempty"`
	// Email is the pointer of the applicant's e-mail address, where she is
	// told when there is news of her application (texts notice.*).
	Email string `json:"email,omitempty"`
	// Prefill says where what Folkeregisteret says of the signed-in
	// applicant goes (package prefill).
	Prefill *prefill.Map `json:"prefill,omitempty"`
	Pages   []Page       `json:"pages"`
}

// Page is one step of the form.
type Page struct {
	ID     string             `json:"id"`
	When   *jsondoc.Condition `json:"when,omitempty"`
	Fields []Field            `json:"fields"`
}

// Field binds an input to a JSON pointer. In a repeating group ("repeat")
// the children's pointers are relative to the group's item.
type Field struct {
	Pointer      string             `json:"pointer"`
	Widget       string             `json:"widget"`
	When         *jsondoc.Condition `json:"when,omitempty"`
	Fields       []Field            `json:"fields,omitempty"`
	Autocomplete string             `json:"autocomplete,omitempty"`
	Inputmode    string             `json:"inputmode,omitempty"`
	// Lookup names what the widget shows beside the answer once it is
	// complete: "postnummer" shows the poststed and kommune from the
	// register (GET /api/v1/postnummer/{nr}).
	Lookup string `json:"lookup,omitempty"`
}

// lookups are the Field.Lookup values a layout may use.
var lookups = map[string]bool{"postnummer": true}

// Widgets a layout may use. "repeat" is a repeating group with child fields;
// "checklist" lists the attachments the rules ask for.
var widgets = map[string]bool{
	"text": true, "textarea": true, "amount": true, "yesno": true, "radio": true,
	"checkbox": true, "repeat": true, "checklist": true,
}

// choiceWidgets take an answer by choosing, so a missing answer reads
// "choose an answer" rather than "fill in".
var choiceWidgets = map[string]bool{"yesno": true, "radio": true, "checkbox": true}

// Rules is rules.json (package rules).
type Rules = rules.Set

// fieldInfo is what the validator needs to know of one field, found by its
// pointer template.
type fieldInfo struct {
	id         string // field id: household.fodselsnummer
	textKey    string // its texts are <textKey>.label, .name and .help
	template   string // /household/*/fodselsnummer
	page       string
	order      int
	widget     string
	format     string // the schema's format, for normalising
	schemaType string // the schema's type, for normalising
	group      *fieldInfo
	layout     *Field
	rel        []string     // the pointer's parts, relative to the group item inside a group
	children   []*fieldInfo // a repeating group's fields
	optional   bool         // the schema never requires it (mayRequire)
}

// definition is the raw files of one form, as loaded.
type definition struct {
	// fsys and dir are where the files lie, for the data files a rule
	// names (the serviceability budget).
	fsys   fs.FS
	dir    string
	schema json.RawMessage
	layout json.RawMessage
	rules  json.RawMessage
	texts  map[Lang]json.RawMessage
}

func readDefinition(fsys fs.FS, dir string) (*definition, error) {
	d := &definition{fsys: fsys, dir: dir, texts: map[Lang]json.RawMessage{}}
	read := func(name string, optional bool) (json.RawMessage, error) {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			if optional && errors.Is(err, fs.ErrNotExist) {
				return nil, nil
			}
			return nil, err
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("%s: not valid JSON", name)
		}
		return b, nil
	}
	var err error
	if d.schema, err = read("schema.json", false); err != nil {
		return nil, err
	}
	if d.layout, err = read("layout.json", false); err != nil {
		return nil, err
	}
	if d.rules, err = read("rules.json", true); err != nil {
		return nil, err
	}
	for _, l := range Langs {
		if d.texts[l], err = read("texts."+string(l)+".json", false); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// decodeStrict decodes JSON refusing unknown members, so a typo in a
// definition is an error at start, not a silently ignored rule.
func decodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec.Decode(v)
}

// schemaAt finds the subschema a pointer template leads to, following
// properties, items and local $refs. It answers nil where the schema does not
// describe the pointer.
func schemaAt(root map[string]any, template string) map[string]any {
	cur := deref(root, root)
	for _, part := range jsondoc.Split(template) {
		if cur == nil {
			return nil
		}
		var next any
		if part == "*" {
			next = cur["items"]
		} else if props, ok := cur["properties"].(map[string]any); ok {
			next = props[part]
		}
		m, _ := next.(map[string]any)
		cur = deref(root, m)
	}
	return cur
}

// mayRequire says whether the schema can require the answer at template
// (/household/*/relation): its object lists it as required, outright or in
// a branch of allOf/anyOf/oneOf or if-then-else. One it never requires is
// optional (the widget's requiredAt is the same walk).
func mayRequire(root map[string]any, template string) bool {
	var expand func(s map[string]any, out []map[string]any) []map[string]any
	expand = func(s map[string]any, out []map[string]any) []map[string]any {
		if s = deref(root, s); s == nil {
			return out
		}
		out = append(out, s)
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			list, _ := s[k].([]any)
			for _, b := range list {
				m, _ := b.(map[string]any)
				out = expand(m, out)
			}
		}
		for _, k := range []string{"then", "else"} {
			m, _ := s[k].(map[string]any)
			out = expand(m, out)
		}
		return out
	}
	parts := jsondoc.Split(template)
	if len(parts) == 0 {
		return false
	}
	level := expand(root, nil)
	for _, part := range parts[:len(parts)-1] {
		var next []map[string]any
		for _, s := range level {
			var sub any
			if part == "*" {
				sub = s["items"]
			} else if props, ok := s["properties"].(map[string]any); ok {
				sub = props[part]
			}
			m, _ := sub.(map[string]any)
			next = expand(m, next)
		}
		level = next
	}
	last := parts[len(parts)-1]
	for _, s := range level {
		list, _ := s["required"].([]any)
		for _, r := range list {
			if r == last {
				return true
			}
		}
	}
	return false
}

func deref(root, s map[string]any) map[string]any {
	for range 8 { // $refs to $refs, bounded
		ref, ok := s["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return s
		}
		target, _ := jsondoc.Lookup(root, jsondoc.Split(strings.TrimPrefix(ref, "#")))
		s, _ = target.(map[string]any)
	}
	return s
}

// enumValues lists a subschema's enum (or const) values as strings.
func enumValues(s map[string]any) []string {
	var out []string
	if list, ok := s["enum"].([]any); ok {
		for _, v := range list {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// compileSchema compiles the form's JSON Schema with the Norwegian formats.
func compileSchema(id string, raw json.RawMessage, formats []*jsonschema.Format) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, f := range formats {
		c.RegisterFormat(f)
	}
	url := "skjema:///" + id + "/schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}
