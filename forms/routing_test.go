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
		{"costs above the ceiling are Husbanken's to cap, not a reason for review ([V-tak])", map[string]any{"/housing/rent": 40000}, ""},
		{"a spouse in førstegangstjeneste is the caseworker's to judge (§ 4, [V-2.2.2])", map[string]any{"/household/0/service": true}, "householdService"},
		{"a spouse who is a student with Lånekassen is the caseworker's to judge (§ 4)", map[string]any{"/household/0/student": true}, "householdStudent"},
		{"parents living with a student child keep the right (§ 4 [L-bsl])", map[string]any{"/household/1/student": true}, ""},
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
	rules := strings.Replace(string(fsys["bostotte/rules.json"].Data), `"/$facts/applicantAge"`, `"/$facts/applicantAgee"`, 1)
	rules = strings.Replace(rules, `"lookup": "householdSize"`, `"lookup": "householdSize", "count": "/household"`, 1)
	rules = strings.Replace(rules, `"source": "bustøttelova § 4 [L-bsl]",`, ``, 1)
	fsys["bostotte/rules.json"].Data = []byte(rules)
	_, err := Load(Config{Builtin: fsys})
	for _, want := range []string{"reads fact applicantAgee", "fact \"costCeiling\" needs exactly one of", "screening institution names no source"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load error does not say %q: %v", want, err)
		}
	}
}
