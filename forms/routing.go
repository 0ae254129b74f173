package forms

import (
	"fmt"
	"time"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
)

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

// RoutingRule sends an application to the kommune's exception queue, with
// its id as the reason code, when the condition holds.
type RoutingRule struct {
	ID   string             `json:"id"`
	When *jsondoc.Condition `json:"when"`
	// Source names where the rule comes from, or says it is the kommune's
	// own practice. Check requires one.
	Source string `json:"source"`
}

// factsKey is where facts appear to conditions: /$facts/<name>.
const factsKey = "$facts"

// ReviewReasons evaluates the routing rules on a prepared document (as a
// submission stores it) and answers the ids of those that hold, in rule
// order. None means the application can go straight to the agency.
func (f *Form) ReviewReasons(doc map[string]any, on time.Time) []string {
	view := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		view[k] = v
	}
	facts := map[string]any{}
	view[factsKey] = facts
	for _, name := range f.factOrder {
		if v, ok := f.Rules.Facts[name].eval(view, facts, f.env.person, on); ok {
			facts[name] = v
		}
	}
	var reasons []string
	for _, r := range f.Rules.Routing {
		if r.When.Eval(view, nil) {
			reasons = append(reasons, r.ID)
		}
	}
	return reasons
}

func (fa Fact) eval(doc map[string]any, facts map[string]any, person nid.PersonOptions, on time.Time) (float64, bool) {
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

// checkFacts orders the facts so a lookup comes after what it reads, and
// reports facts that are malformed.
func (f *Form) checkFacts() ([]string, []error) {
	var problems []error
	var order []string
	done := map[string]bool{}
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		if done[name] {
			return
		}
		fa, ok := f.Rules.Facts[name]
		if !ok || depth > len(f.Rules.Facts) {
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
	for _, name := range sortedKeys(f.Rules.Facts) {
		visit(name, 0)
	}
	return order, problems
}
