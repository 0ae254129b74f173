package forms

import (
	"slices"
	"testing"
)

// TestEvidenceNamesWhatARuleRead: the caseworker sees the answers a
// routing rule held on, with the form's labels, only for the household
// members it held for.
func TestEvidenceNamesWhatARuleRead(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	doc := example(t)
	if got := b.form.Evidence(doc, "registeredElsewhere", Bokmal); got != nil {
		t.Fatalf("the example registers no one elsewhere, but the evidence is %q", got)
	}
	doc["household"].([]any)[1].(map[string]any)["registeredElsewhere"] = true
	got := b.form.Evidence(doc, "registeredElsewhere", Bokmal)
	if len(got) != 1 || !slices.ContainsFunc(got, func(l string) bool {
		return l == b.form.Text(Bokmal, "field.household.registeredElsewhere.name")+" "+"til husstandsmedlem 2: Ja"
	}) {
		t.Fatalf("evidence: %q", got)
	}
	if got := b.form.Evidence(doc, "noSuchRule", Bokmal); got != nil {
		t.Fatalf("an unknown code: %q", got)
	}
}
