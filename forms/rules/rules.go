package rules

import (
	"fmt"
	"sort"
	"time"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/forms/serviceability"
)

// Set is rules.json: checks that span fields, the attachments the answers
// require, the answers that make an applicant ineligible, and what sends an
// application to a caseworker.
type Set struct {
	Checks      []CrossCheck     `json:"checks"`
	Facts       map[string]Fact  `json:"facts"`
	Routing     []RoutingRule    `json:"routing"`
	Attachments []AttachmentRule `json:"attachments"`
	Screening   []ScreeningRule  `json:"screening"`
	// Ceiling is the upper limit on the housing costs the agency counts,
	// if the form has one (information for the caseworker).
	Ceiling *CostCeiling `json:"ceiling,omitempty"`
	// Serviceability says where an application's figures are for the
	// betjeningsevne a caseworker is shown (package serviceability), if
	// the form has one; its budgetFile lies in the form's directory.
	Serviceability *serviceability.Config `json:"serviceability,omitempty"`

	factOrder []string // facts, each after those it reads (Prepare)
}

// CrossCheck is a check between fields. The only kind so far is
// "postnummerInKommune": the address's postnummer must lie in its kommune.
type CrossCheck struct {
	Check         string `json:"check"`
	Postnummer    string `json:"postnummer"`
	Kommunenummer string `json:"kommunenummer"`
}

// AttachmentRule says that the document with ID (at /attachments/<id>) is
// required when the condition holds.
type AttachmentRule struct {
	ID   string             `json:"id"`
	When *jsondoc.Condition `json:"when"`
	// Source names where the rule comes from (a law, Husbanken's guidance:
	// keys of ../shared/domain). Check requires one.
	Source string `json:"source"`
}

// ScreeningRule says that the applicant is not eligible when the condition
// holds; texts screening.<id>.title and .explanation say why.
type ScreeningRule struct {
	ID   string             `json:"id"`
	When *jsondoc.Condition `json:"when"`
	// Source names where the rule comes from. Check requires one: a hard
	// screen-out must rest on the law or Husbanken's guidance.
	Source string `json:"source"`
}

// RoutingRule sends an application to the kommune's exception queue, with
// its id as the reason code, when the condition holds.
type RoutingRule struct {
	ID   string             `json:"id"`
	When *jsondoc.Condition `json:"when"`
	// Source names where the rule comes from, or says it is the kommune's
	// own practice. Check requires one.
	Source string `json:"source"`
}

// Fact is a value derived from a document for routing rules, which read it
// at /$facts/<name>. Exactly one kind is used:
//
//	{"ageFrom": "/applicant/fodselsnummer"}      age in whole years on the day routed
//	{"count": "/household", "plus": 1}            array length, plus a constant
//	{"sum": ["/housing/rent", "/housing/interest"]} sum of the numbers present
//	{"lookup": "householdSize", "values": [1, 2]}  values[fact-1], the last for larger
type Fact struct {
	AgeFrom string    `json:"ageFrom,omitempty"`
	Count   string    `json:"count,omitempty"`
	Plus    int       `json:"plus,omitempty"`
	Sum     []string  `json:"sum,omitempty"`
	Lookup  string    `json:"lookup,omitempty"`
	Values  []float64 `json:"values,omitempty"`
}

// FactsKey is where facts appear to conditions: /$facts/<name>.
const FactsKey = "$facts"

// Prepare orders the facts so a lookup comes after what it reads, and
// reports facts that are malformed. ReviewReasons needs it called once.
func (s *Set) Prepare() []error {
	var problems []error
	var order []string
	done := map[string]bool{}
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		if done[name] {
			return
		}
		fa, ok := s.Facts[name]
		if !ok || depth > len(s.Facts) {
			problems = append(problems, fmt.Errorf("rules: fact %q is unknown or part of a loop", name))
			return
		}
		kinds := 0
		for _, used := range []bool{fa.AgeFrom != "", fa.Count != "", fa.Sum != nil, fa.Lookup != ""} {
			if used {
				kinds++
			}
		}
		if kinds != 1 {
			problems = append(problems, fmt.Errorf("rules: fact %q needs exactly one of ageFrom, count, sum, lookup", name))
		}
		if fa.Lookup != "" {
			visit(fa.Lookup, depth+1)
		}
		done[name] = true
		order = append(order, name)
	}
	names := make([]string, 0, len(s.Facts))
	for name := range s.Facts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		visit(name, 0)
	}
	s.factOrder = order
	return problems
}

// Pointers are the pointers the facts read, by fact, for checking them
// against the schema.
func (fa Fact) Pointers() []string {
	var out []string
	for _, p := range append([]string{fa.AgeFrom, fa.Count}, fa.Sum...) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ReviewReasons evaluates the routing rules on a prepared document (as a
// submission stores it) and answers the ids of those that hold, in rule
// order. None means the application can go straight to the agency. Ages
// are taken on the day on.
func (s *Set) ReviewReasons(doc map[string]any, on time.Time) []string {
	view := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		view[k] = v
	}
	facts := map[string]any{}
	view[FactsKey] = facts
	for _, name := range s.factOrder {
		if v, ok := s.Facts[name].eval(view, facts, on); ok {
			facts[name] = v
		}
	}
	var reasons []string
	for _, r := range s.Routing {
		if r.When.Eval(view, nil) {
			reasons = append(reasons, r.ID)
		}
	}
	return reasons
}

func (fa Fact) eval(doc map[string]any, facts map[string]any, on time.Time) (float64, bool) {
	switch {
	case fa.AgeFrom != "":
		v, _ := jsondoc.Lookup(doc, jsondoc.Split(fa.AgeFrom))
		s, _ := v.(string)
		p, err := nid.Fodselsnummer(s, nid.PersonOptions{AllowSynthetic: true, AllowHNummer: true})
		if err != nil {
			return 0, false
		}
		age, ok := p.AgeAt(on)
		return float64(age), ok
	case fa.Count != "":
		v, _ := jsondoc.Lookup(doc, jsondoc.Split(fa.Count))
		arr, _ := v.([]any)
		return float64(len(arr) + fa.Plus), true
	case fa.Sum != nil:
		total := 0.0
		for _, p := range fa.Sum {
			v, _ := jsondoc.Lookup(doc, jsondoc.Split(p))
			if n, ok := jsondoc.Number(v); ok {
				total += n
			}
		}
		return total, true
	case fa.Lookup != "":
		key, ok := jsondoc.Number(facts[fa.Lookup])
		if !ok || len(fa.Values) == 0 || key < 1 {
			return 0, false
		}
		i := int(key) - 1
		if i >= len(fa.Values) {
			i = len(fa.Values) - 1
		}
		return fa.Values[i], true
	}
	return 0, false
}
