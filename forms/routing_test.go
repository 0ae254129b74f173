package forms

import (
	"strings"
	"testing"
	"time"
)

func TestReviewReasons(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	on := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		edit map[string]any
		want string
	}{
		{"the example goes straight to the agency", nil, ""},
		{"a household member registered elsewhere", map[string]any{"/household/2/registeredElsewhere": true}, "registeredElsewhere"},
		{"rent above the ceiling for five", map[string]any{"/housing/rent": 15501}, "costsAboveCeiling"},
		{"rent at the ceiling for five is fine", map[string]any{"/housing/rent": 15500}, ""},
		{"rent above the ceiling for one living alone", map[string]any{"/household": []any{}, "/housing/rent": 9500}, "costsAboveCeiling"},
		{"an applicant of 16", map[string]any{"/applicant/fodselsnummer": "15061060011"}, "applicantUnder18"},
		{"the lease comes later", map[string]any{"/housing/type": "rented", "/attachments/lease": map[string]any{"status": "later"}}, "attachmentLater"},
		{"two reasons at once, in rule order",
			map[string]any{"/housing/type": "rented", "/attachments/lease": map[string]any{"status": "later"}, "/household/0/registeredElsewhere": true},
			"registeredElsewhere,attachmentLater"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := example(t)
			for p, v := range tt.edit {
				set(doc, p, v)
			}
			res := b.form.Validate(doc, Options{Mode: Full})
			if !res.Valid {
				t.Fatalf("the case is not a valid application: %+v", res.Errors)
			}
			if got := strings.Join(b.form.ReviewReasons(res.Document, on), ","); got != tt.want {
				t.Fatalf("reasons = %q, want %q", got, tt.want)
			}
			if _, leaked := res.Document[factsKey]; leaked {
				t.Fatal("facts leaked into the document")
			}
		})
	}
}

func TestCheckFindsBrokenRoutingRules(t *testing.T) {
	t.Parallel()
	fsys := copyBostotte(t)
	rules := strings.Replace(string(fsys["bostotte/rules.json"].Data), `"/$facts/costCeiling"`, `"/$facts/costCeilling"`, 1)
	rules = strings.Replace(rules, `"lookup": "householdSize"`, `"lookup": "householdSize", "count": "/household"`, 1)
	fsys["bostotte/rules.json"].Data = []byte(rules)
	_, err := Load(Config{Builtin: fsys})
	for _, want := range []string{"reads fact costCeilling", "fact \"costCeiling\" needs exactly one of"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load error does not say %q: %v", want, err)
		}
	}
}
