package prefill

import (
	"encoding/json"
	"testing"
)

func bostotte() *Map {
	var m Map
	json.Unmarshal([]byte(`{"givenName": "/applicant/givenName", "familyName": "/applicant/familyName", "street": "/address/street",
		"postnummer": "/address/postnummer", "household": "/household",
		"member": {"givenName": "givenName", "familyName": "familyName", "fodselsnummer": "fodselsnummer", "registered": "registered"}}`), &m)
	return &m
}

var kari = Household{Applicant: Person{PID: "12838542067", GivenName: "Kari", FamilyName: "Nordmann"}, Street: "Storgata 1", Postnummer: "0150",
	Others: []Person{{PID: "02878341069", GivenName: "Ola", FamilyName: "Nordmann"}, {PID: "20851552015", GivenName: "Emma", FamilyName: "Nordmann"}}}

// TestApplyFillsOnlyWhatSheHasNotAnswered: the register's facts go where
// the layout says, never over her own answers; a registered person she
// typed already is marked, not added twice; the values set are answered.
func TestApplyFillsOnlyWhatSheHasNotAnswered(t *testing.T) {
	doc := map[string]any{
		"applicant": map[string]any{"givenName": "Kari Anne"},
		"household": []any{map[string]any{"givenName": "Ola", "familyName": "Nordmann", "fodselsnummer": "02878341069", "relation": "spouse"}},
	}
	set := bostotte().Apply(doc, kari)
	applicant := doc["applicant"].(map[string]any)
	if applicant["givenName"] != "Kari Anne" || applicant["familyName"] != "Nordmann" {
		t.Fatalf("applicant %v: her own given name must stay", applicant)
	}
	items := doc["household"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["registered"] != true || items[0].(map[string]any)["relation"] != "spouse" ||
		items[1].(map[string]any)["givenName"] != "Emma" {
		t.Fatalf("household %v", items)
	}
	for _, p := range []string{"/applicant/familyName", "/address/street", "/household/0/registered", "/household/1/fodselsnummer"} {
		if _, ok := set[p]; !ok {
			t.Errorf("%s not answered as set: %v", p, set)
		}
	}
	if _, ok := set["/applicant/givenName"]; ok {
		t.Error("her own answer is answered as the register's")
	}
}

func TestCheckNamesPointersTheSchemaLacks(t *testing.T) {
	m := bostotte()
	m.Street = "/address/gate"
	problems := m.Check(func(p string) bool { return p != "/address/gate" && p != "/household/*/registered" })
	if len(problems) != 2 {
		t.Fatalf("%v, want the street and the member's registered", problems)
	}
}
