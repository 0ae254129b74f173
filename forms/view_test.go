package forms

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/skjema/skjema/forms/jsondoc"
)

// TestViewShowsAnswersWithTheFormsLabels: a caseworker reads the example with
// labels, option texts, grouped household members and hidden fields left out.
func TestViewShowsAnswersWithTheFormsLabels(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	rows := map[string]Row{}
	var titles []string
	for _, sec := range b.form.View(example(t), Bokmal) {
		titles = append(titles, sec.Title)
		for _, r := range sec.Rows {
			rows[r.Pointer] = r
		}
	}
	for ptr, want := range map[string]Row{
		"/housing/type":            {Label: "Boligtype", Value: "Kommunal utleiebolig", Editable: true},
		"/housing/rent":            {Value: "14\u00a0500\u00a0kr", Editable: true},
		"/applicant/fodselsnummer": {Value: "120385\u00a012356", Editable: true},
		"/payment/kontonummer":     {Value: "1503.12.34562", Editable: true, Optional: true},
		"/housing/heatingIncluded": {Value: "Nei", Editable: true},
		"/household/1":             {Label: "Husstandsmedlem 2", Heading: true},
		"/household/1/relation":    {Label: "Relasjon til husstandsmedlem 2", Value: "Barn", Editable: true},
		"/income/foreignIncome":    {Value: "", Editable: true, Optional: true}, // left out on purpose, not missing
		// A box left unticked is a no, as she saw it.
		"/household/1/registeredElsewhere": {Value: "Nei", Editable: true, Optional: true},
	} {
		got, ok := rows[ptr]
		if !ok {
			t.Fatalf("no row for %s", ptr)
		}
		if want.Label != "" && got.Label != want.Label || got.Value != want.Value || got.Heading != want.Heading || got.Editable != want.Editable ||
			got.Optional != want.Optional {
			t.Errorf("%s: %+v, want %+v", ptr, got, want)
		}
	}
	for _, hidden := range []string{"/housing/sharedCosts", "/eligibility/studentLanekassen", "/attachments"} {
		if _, ok := rows[hidden]; ok {
			t.Errorf("%s is hidden by its condition but shown", hidden)
		}
	}
	if len(titles) == 0 || titles[0] != "Før du starter" {
		t.Fatalf("sections %v", titles)
	}
}

// TestFieldParsesACorrection: a correction is entered as text and stored as
// the schema's type; groups and unknown pointers cannot be corrected.
func TestFieldParsesACorrection(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	doc := example(t)
	for _, tt := range []struct {
		name, pointer, entered string
		want                   any
		wantErr                bool
	}{
		{"an amount with spaces", "/housing/rent", "15 200", json.Number("15200"), false},
		{"an amount that is no number", "/housing/rent", "15,2", nil, true},
		{"a yes/no", "/housing/heatingIncluded", "true", true, false},
		{"a radio option", "/household/0/relation", "partner", "partner", false},
		{"a radio value not offered", "/household/0/relation", "boss", nil, true},
		{"an emptied text removes the answer", "/applicant/email", "  ", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := b.form.Field(doc, tt.pointer, Bokmal)
			if err != nil {
				t.Fatal(err)
			}
			v, err := spec.Parse(tt.entered)
			if (err != nil) != tt.wantErr || v != tt.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v (error %v)", tt.entered, v, err, tt.want, tt.wantErr)
			}
		})
	}
	spec, _ := b.form.Field(doc, "/household/0/relation", Bokmal)
	if spec.Value != "spouse" || len(spec.Options) != 5 || spec.Label != "Relasjon til husstandsmedlem 1" {
		t.Fatalf("spec %+v", spec)
	}
	for _, bad := range []string{"/household", "/household/9/givenName", "/attachments", "/nothing", ""} {
		if _, err := b.form.Field(doc, bad, Bokmal); !errors.Is(err, ErrNoSuchField) {
			t.Errorf("Field(%q): %v, want ErrNoSuchField", bad, err)
		}
	}
	old, ok := jsondoc.Set(doc, jsondoc.Split("/housing/rent"), json.Number("15200"))
	if !ok || old != 14500.0 || doc["housing"].(map[string]any)["rent"] != json.Number("15200") {
		t.Fatalf("Set: old %v, %v", old, ok)
	}
}
