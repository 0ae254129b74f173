package forms

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skjema/skjema/forms/internal/schemaerr"
	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
)

// Mode says how much of a document is expected to be there.
type Mode string

const (
	// Partial validates as the citizen types: errors in what is filled in,
	// and missing answers only on the pages already passed.
	Partial Mode = "partial"
	// Full validates a document for submission: everything visible that is
	// required must be there.
	Full Mode = "full"
)

// Options for one validation.
type Options struct {
	Mode Mode // defaults to Full
	Lang Lang // defaults to bokmål
	// Passed lists the pages the citizen has gone past; in Partial mode their
	// missing answers are reported. Ignored in Full mode.
	Passed []string
	// Kommune is the kommune the application is for (the draft's, the
	// widget's): the citizen never types it (issue #13 item 7). Where the
	// document names no kommune at an address the rules cross-check, it is
	// filled in from here, and the address's postnummer must lie in it.
	Kommune string
}

// FieldError is one problem at one field, with a stable code and a message in
// the language asked for that names the field.
type FieldError struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ChecklistItem is one attachment the answers require.
type ChecklistItem struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Help   string `json:"help,omitempty"`
	Status string `json:"status"` // missing, provided or later
	Files  int    `json:"files"`
}

// Screening says whether the answers make the applicant ineligible, and why.
type Screening struct {
	Eligible bool              `json:"eligible"`
	Reasons  []ScreeningReason `json:"reasons"`
}

// ScreeningReason is one reason the applicant cannot get what the form is for.
type ScreeningReason struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Explanation string `json:"explanation"`
}

// MaxErrors is the most field errors a Result lists. The bostøtte form has
// under a hundred fields, so an honest document never comes near it; a body
// built of tens of thousands of unknown keys would otherwise cost most of a
// second of CPU and answer megabytes of errors (the security review's L2).
const MaxErrors = 100

// Result of a validation.
type Result struct {
	// Valid is true when there are no field errors and the screening found
	// the applicant eligible: in Full mode, the document may be submitted.
	Valid  bool         `json:"valid"`
	Errors []FieldError `json:"errors"`
	// Truncated is true when there were more than MaxErrors errors: Errors
	// then holds the first MaxErrors in layout order.
	Truncated bool            `json:"truncated,omitempty"`
	Checklist []ChecklistItem `json:"checklist"`
	Screening Screening       `json:"screening"`
	// Document is the prepared document: trimmed, normalised, with hidden
	// answers removed. It is what a submission stores.
	Document map[string]any `json:"-"`
}

// ErrNotObject is returned by ValidateJSON for input that is not one JSON
// object.
var ErrNotObject = errors.New("the document must be one JSON object")

// ValidateJSON decodes a document and validates it. Malformed JSON, or JSON
// that is not an object, is an error, not a validation result.
func (f *Form) ValidateJSON(data []byte, opts Options) (Result, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return Result{}, ErrNotObject
	}
	return f.Validate(m, opts), nil
}

// rawError is a problem before it is filtered and given a message.
type rawError = schemaerr.Error

// Validate checks a decoded document (numbers as json.Number or float64). The
// document itself is not changed.
func (f *Form) Validate(doc map[string]any, opts Options) Result {
	if opts.Mode == "" {
		opts.Mode = Full
	}
	t, ok := f.texts[opts.Lang]
	if !ok {
		t = f.texts[Langs[0]]
	}
	clean, hidden := f.prepare(doc)
	if opts.Kommune != "" {
		f.fillKommune(clean, opts.Kommune)
	}

	var raw []rawError
	if err := f.schema.Validate(clean); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			schemaerr.Collect(ve, MaxErrors, &raw)
		} else {
			raw = append(raw, rawError{Code: "invalid"})
		}
	}
	raw = append(raw, f.crossChecks(clean, raw)...)

	res := Result{Document: clean, Checklist: []ChecklistItem{}, Errors: []FieldError{}}
	attachmentsDue := opts.Mode == Full || slices.Contains(opts.Passed, f.attachPage)
	for _, a := range f.Rules.Attachments {
		if !a.When.Eval(clean, nil) {
			continue
		}
		item := ChecklistItem{ID: a.ID, Label: t["attachment."+a.ID+".label"], Help: t["attachment."+a.ID+".help"], Status: "missing"}
		entry, _ := jsondoc.Lookup(clean, []string{"attachments", a.ID})
		if m, ok := entry.(map[string]any); ok {
			files, _ := m["files"].([]any)
			item.Files = len(files)
			switch {
			case m["status"] == "later":
				item.Status = "later"
			case m["status"] == "uploaded" && len(files) > 0:
				item.Status = "provided"
			}
		}
		if item.Status == "missing" && attachmentsDue {
			raw = append(raw, rawError{Parts: []string{"attachments", a.ID}, Code: "attachment.missing"})
		}
		res.Checklist = append(res.Checklist, item)
	}

	res.Screening = Screening{Eligible: true, Reasons: []ScreeningReason{}}
	for _, s := range f.Rules.Screening {
		if s.When.Eval(clean, nil) {
			res.Screening.Eligible = false
			res.Screening.Reasons = append(res.Screening.Reasons, ScreeningReason{
				ID: s.ID, Title: t["screening."+s.ID+".title"], Explanation: t["screening."+s.ID+".explanation"],
			})
		}
	}

	res.Errors, res.Truncated = f.fieldErrors(clean, hidden, raw, opts, t)
	res.Valid = len(res.Errors) == 0 && res.Screening.Eligible
	return res
}

// fillKommune puts the application's kommune at each address the rules
// cross-check (postnummerInKommune) that has none.
func (f *Form) fillKommune(doc map[string]any, kommune string) {
	for _, c := range f.Rules.Checks {
		parts := jsondoc.Split(c.Kommunenummer)
		if len(parts) == 0 {
			continue
		}
		parent, ok := jsondoc.Lookup(doc, parts[:len(parts)-1])
		obj, isObject := parent.(map[string]any)
		if !ok || !isObject {
			continue // no address yet: nothing to place it in
		}
		if _, named := obj[parts[len(parts)-1]]; !named {
			obj[parts[len(parts)-1]] = kommune
		}
	}
}

// crossChecks runs the rules' checks between fields whose own values passed.
func (f *Form) crossChecks(doc map[string]any, already []rawError) []rawError {
	var out []rawError
	failed := map[string]bool{}
	for _, e := range already {
		failed[jsondoc.Join(e.Parts)] = true
	}
	for _, c := range f.Rules.Checks {
		post, ok1 := jsondoc.Lookup(doc, jsondoc.Split(c.Postnummer))
		kommune, ok2 := jsondoc.Lookup(doc, jsondoc.Split(c.Kommunenummer))
		ps, _ := post.(string)
		ks, _ := kommune.(string)
		if !ok1 || !ok2 || failed[c.Postnummer] || failed[c.Kommunenummer] {
			continue
		}
		var nerr *nid.Error
		if err := f.env.registers.PostnummerInKommune(ps, ks); errors.As(err, &nerr) {
			// The message says where the postnummer is, and which kommune
			// was given: the register knows both (review F6).
			name := func(number string) string {
				k, _ := f.env.registers.Kommunenummer(number, f.env.now())
				return k.Name
			}
			p, _ := f.env.registers.Postnummer(ps)
			given := ks
			if n := name(ks); n != "" {
				given = n + " (" + ks + ")"
			}
			out = append(out, rawError{Parts: jsondoc.Split(c.Postnummer), Code: nerr.Code(),
				Vars: []string{"{postnummer}", ps, "{liesIn}", cmp.Or(p.Kommunenavn, name(p.Kommunenummer), p.Poststed), "{kommune}", given}})
		}
	}
	return out
}

// fieldErrors drops what must not be reported (hidden fields; in partial
// mode, missing answers on pages not yet passed), keeps one error per field,
// sorts them in layout order, and gives the first MaxErrors a message. It
// answers whether there were more.
func (f *Form) fieldErrors(doc map[string]any, hidden map[string]bool, raw []rawError, opts Options, t texts) ([]FieldError, bool) {
	type located struct {
		FieldError
		order   int
		indexes []int
		field   *fieldInfo
		raw     rawError
	}
	seen := map[string]bool{}
	var list []located
	for _, e := range raw {
		ptr := jsondoc.Join(e.Parts)
		if seen[ptr] || isHidden(hidden, e.Parts) {
			continue
		}
		tmpl, indexes := jsondoc.TemplateOf(doc, e.Parts)
		fi := f.fields[tmpl]
		missing := e.Code == "required" || e.Code == "attachment.missing"
		if opts.Mode == Partial && missing && (fi == nil || !slices.Contains(opts.Passed, fi.page)) {
			continue
		}
		seen[ptr] = true
		l := located{FieldError: FieldError{Pointer: ptr, Code: e.Code}, order: len(f.order), indexes: indexes, field: fi, raw: e}
		if fi != nil {
			l.order = fi.order
		}
		list = append(list, l)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.order != b.order {
			return a.order < b.order
		}
		for k := 0; k < len(a.indexes) && k < len(b.indexes); k++ {
			if a.indexes[k] != b.indexes[k] {
				return a.indexes[k] < b.indexes[k]
			}
		}
		return a.Pointer < b.Pointer
	})
	truncated := len(list) > MaxErrors
	list = list[:min(len(list), MaxErrors)]
	out := make([]FieldError, len(list))
	for i, l := range list {
		name := "«" + strings.Join(l.raw.Parts, ".") + "»"
		if l.field != nil {
			name = f.label(t, l.field, l.indexes)
		}
		l.Message = f.message(t, l.field, l.raw, name, f.item(t, l.field, l.indexes))
		out[i] = l.FieldError
	}
	return out, truncated
}

// message picks the most particular text there is: one for this field and
// code, then one for the code, then the generic "not valid". The text may
// name the field ({field}, {name} inside a sentence) and, in a group, the
// item it belongs to ({item}: "husstandsmedlem 2"), so that a field's own
// text can say it the way its question does.
func (f *Form) message(t texts, fi *fieldInfo, e rawError, name, item string) string {
	keys := make([]string, 0, 5)
	if fi != nil {
		// The field's own text, then its kind's ("error.amount.type": how
		// to write an amount), then the code's.
		keys = append(keys, "error."+fi.id+"."+e.Code, "error."+fi.widget+"."+e.Code)
		if e.Code == "required" && choiceWidgets[fi.widget] {
			keys = append(keys, "error.required.choice")
		}
	}
	keys = append(keys, "error."+e.Code, "error.invalid")
	for _, k := range keys {
		if _, ok := t[k]; ok {
			args := append([]string{"{field}", name, "{name}", lowerFirst(name), "{item}", item, "{limit}", e.Limit}, e.Vars...)
			return upperFirst(t.format(k, args...))
		}
	}
	return name
}

// lowerFirst writes a field's name inside a sentence ("Skriv husleie …"),
// leaving one that starts with an abbreviation ("EU/EØS-pensjon") alone.
func lowerFirst(s string) string {
	rs := []rune(s)
	if len(rs) < 2 || unicode.IsUpper(rs[1]) {
		return s
	}
	return strings.ToLower(string(rs[0])) + string(rs[1:])
}

func isHidden(hidden map[string]bool, parts []string) bool {
	for i := len(parts); i > 0; i-- {
		if hidden[jsondoc.Join(parts[:i])] {
			return true
		}
	}
	return false
}

func upperFirst(s string) string {
	for i, r := range s {
		if i == 0 {
			return strings.ToUpper(string(r)) + s[len(string(r)):]
		}
	}
	return s
}
