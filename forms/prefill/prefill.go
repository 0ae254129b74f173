// Package prefill puts what a register says of the applicant into a form's
// document: the layout's "prefill" says where each fact goes. Facts fill
// only what the citizen has not answered; a registered person is added to
// the household list once, by fødselsnummer, and marked as registered. The
// values set are answered, so that the caseworker can tell a fact from the
// register from one the citizen typed (and one she changed).
package prefill

import (
	"fmt"

	"github.com/skjema/skjema/forms/jsondoc"
)

// Map is layout.json's "prefill": the pointers the register's facts go to.
type Map struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	Street     string `json:"street"`
	Postnummer string `json:"postnummer"`
	// Bruksenhetsnummer is the flat's number (H0101).
	Bruksenhetsnummer string `json:"bruksenhetsnummer"`
	// Household is the list of the others in the household; Member says
	// where, in each item, a registered person's facts go.
	Household string `json:"household"`
	Member    struct {
		GivenName     string `json:"givenName"`
		FamilyName    string `json:"familyName"`
		Fodselsnummer string `json:"fodselsnummer"`
		// Registered is the item's boolean that says the person is there
		// because the register says so.
		Registered string `json:"registered"`
	} `json:"member"`
}

// Person is one person as the register has her.
type Person struct {
	PID, GivenName, FamilyName string
}

// Household is what the register says: the applicant, her address, and
// those registered with her.
type Household struct {
	Applicant         Person
	Street            string
	Postnummer        string
	Bruksenhetsnummer string
	Others            []Person
}

// Apply fills the document from the household and answers the values it
// set, by concrete pointer.
func (m *Map) Apply(doc map[string]any, h Household) map[string]any {
	set := map[string]any{}
	put := func(pointer string, v string) {
		if pointer == "" || v == "" {
			return
		}
		parts := jsondoc.Split(pointer)
		if old, ok := jsondoc.Lookup(doc, parts); ok && old != nil && old != "" {
			return // she answered already
		}
		if _, ok := jsondoc.Set(doc, parts, v); ok {
			set[pointer] = v
		}
	}
	put(m.GivenName, h.Applicant.GivenName)
	put(m.FamilyName, h.Applicant.FamilyName)
	put(m.Street, h.Street)
	put(m.Postnummer, h.Postnummer)
	put(m.Bruksenhetsnummer, h.Bruksenhetsnummer)
	if m.Household == "" || len(h.Others) == 0 {
		return set
	}
	list, _ := jsondoc.Lookup(doc, jsondoc.Split(m.Household))
	items, _ := list.([]any)
	for _, p := range h.Others {
		i := indexOf(items, m.Member.Fodselsnummer, p.PID)
		if i < 0 {
			items = append(items, map[string]any{})
			i = len(items) - 1
		}
		item, ok := items[i].(map[string]any)
		if !ok {
			continue
		}
		base := m.Household + "/" + fmt.Sprint(i) + "/"
		for field, v := range map[string]any{m.Member.GivenName: p.GivenName, m.Member.FamilyName: p.FamilyName,
			m.Member.Fodselsnummer: p.PID, m.Member.Registered: true} {
			if field == "" || v == "" {
				continue
			}
			item[field] = v
			set[base+jsondoc.EscapePart(field)] = v
		}
	}
	jsondoc.Set(doc, jsondoc.Split(m.Household), items)
	return set
}

func indexOf(items []any, field, pid string) int {
	for i, it := range items {
		if m, ok := it.(map[string]any); ok && field != "" && m[field] == pid {
			return i
		}
	}
	return -1
}

// Check reports pointers the schema does not describe; described tells
// whether it has one (the member's fields relative to the household's
// items).
func (m *Map) Check(described func(pointer string) bool) []error {
	if m == nil {
		return nil
	}
	var problems []error
	for _, p := range []string{m.GivenName, m.FamilyName, m.Street, m.Postnummer, m.Bruksenhetsnummer, m.Household} {
		if p != "" && !described(p) {
			problems = append(problems, fmt.Errorf("layout: prefill: %s is not in the schema", p))
		}
	}
	for _, f := range []string{m.Member.GivenName, m.Member.FamilyName, m.Member.Fodselsnummer, m.Member.Registered} {
		if f != "" && (m.Household == "" || !described(m.Household+"/*/"+f)) {
			problems = append(problems, fmt.Errorf("layout: prefill: the household's %s is not in the schema", f))
		}
	}
	return problems
}
