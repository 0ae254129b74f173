package forms

import (
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/forms/rules"
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
		{"a person registered here who does not live here, with the explanation ([P-slik][V-2.2.5])",
			map[string]any{"/household/1/registered": true, "/household/1/notLivingHere": true, "/household/1/notLivingExplanation": "Bor hos faren i Bergen"},
			"registeredNotLiving"},
		{"a registered person who lives here is no reason", map[string]any{"/household/1/registered": true, "/household/1/notLivingHere": false}, ""},
		{"costs above the ceiling are Husbanken's to cap, not a reason for review ([V-tak])", map[string]any{"/housing/rent": 40000}, ""},
		{"a spouse in førstegangstjeneste is the caseworker's to judge (§ 4, [V-2.2.2])", map[string]any{"/household/0/service": true}, "householdService"},
		{"a spouse who is a student with Lånekassen is the caseworker's to judge (§ 4)", map[string]any{"/household/0/student": true}, "householdStudent"},
		{"parents living with a student child keep the right (§ 4 [L-bsl])", map[string]any{"/household/1/student": true}, ""},
		{"a private bokollektiv goes on paper with HB 9.S.08 ([P-bokollektiv])", map[string]any{"/housing": map[string]any{"type": "shared", "sharedKind": "private", "rent": 5000, "pensioner": false},
			"/attachments/lease": map[string]any{"status": "uploaded", "files": []any{map[string]any{"id": "f1", "name": "k.pdf", "contentType": "application/pdf", "size": 10}}}}, "sharedPrivate"},
		{"heating is asked only of pensioners (forskrift § 2 d)", map[string]any{"/housing/pensioner": false, "/housing/heatingIncluded": true}, ""},
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
			if _, leaked := res.Document[rules.FactsKey]; leaked {
				t.Fatal("facts leaked into the document")
			}
		})
	}
}

func TestCheckFindsBrokenRoutingRules(t *testing.T) {
	t.Parallel()
	fsys := copyBostotte(t)
	rules := strings.Replace(string(fsys["bostotte/rules.json"].Data), `"/$facts/applicantAge"`, `"/$facts/applicantAgee"`, 1)
	rules = strings.Replace(rules, `"ageFrom": "/applicant/fodselsnummer"`, `"ageFrom": "/applicant/fodselsnummer", "count": "/household"`, 1)
	rules = strings.Replace(rules, `"source": "bustøttelova § 4 [L-bsl]",`, ``, 1)
	fsys["bostotte/rules.json"].Data = []byte(rules)
	_, err := Load(Config{Builtin: fsys})
	for _, want := range []string{"reads fact applicantAgee", "fact \"applicantAge\" needs exactly one of", "screening institution names no source"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load error does not say %q: %v", want, err)
		}
	}
}

// TestCostCeiling: the ceiling is Husbanken's table ([V-tak]): five
// household tiers, the kommune group's supplement (Oslo's +2 075 a month),
// and +424 for a specially adapted home; costs above it are information,
// not a reason for review.
func TestCostCeiling(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	tests := []struct {
		name       string
		edit       map[string]any
		kommune    string
		costs      float64
		limit      float64
		above      bool
		household  int
		wantReason string
	}{
		{"five in Oslo, the example's rent", nil, "0301", 14500, 10832 + 2075, true, 5, ""},
		{"one living alone in Oslo", map[string]any{"/household": []any{}, "/housing/rent": 8000}, "0301", 8000, 6520 + 2075, false, 1, ""},
		{"one living alone in a kommune in no group", map[string]any{"/household": []any{}, "/housing/rent": 8000}, "4601", 8000, 6520, true, 1, ""},
		{"seven count as the last tier", map[string]any{"/household": []any{other(), other(), other(), other(), other(), other()}}, "0301", 14500, 10832 + 2075, true, 7, ""},
		{"a specially adapted home adds its supplement", map[string]any{"/household": []any{}, "/housing/rent": 8000, "/housing/adapted": true,
			"/housing/adaptedDescription": "Rullestol", "/attachments/adapted": map[string]any{"status": "later"}}, "4601", 8000, 6520 + 424, true, 1, "attachmentLater"},
		{"an enebolig's yearly costs count by the month", map[string]any{"/household": []any{}, "/housing": map[string]any{"type": "house", "hasLoan": true, "interest": 3000, "instalments": 2000, "loanFees": 50, "propertyTax": 6000},
			"/attachments": map[string]any{"loanPlan": map[string]any{"status": "later"}, "propertyCosts": map[string]any{"status": "later"}}}, "4601", 3000 + 2000 + 50 + 500, 6520, false, 1, "attachmentLater"},
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
			c, ok := b.form.CostCeiling(res.Document, tt.kommune)
			if !ok || c.Costs != tt.costs || c.Limit != tt.limit || c.Above() != tt.above || c.Household != tt.household {
				t.Fatalf("ceiling = %+v (above %v), want costs %v, limit %v, above %v, household %d", c, c.Above(), tt.costs, tt.limit, tt.above, tt.household)
			}
			if got := strings.Join(b.form.ReviewReasons(res.Document, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), ","); got != tt.wantReason {
				t.Fatalf("reasons = %q, want %q: costs above the ceiling are no reason", got, tt.wantReason)
			}
		})
	}
}

// other is a household member who is neither spouse nor child.
func other() map[string]any {
	return map[string]any{"givenName": "Per", "familyName": "Hansen", "fodselsnummer": "02078745684", "relation": "other"}
}

// TestNotLivingHereNeedsTheExplanation: saying a registered person does
// not live there asks why ([P-slik][V-2.2.5]).
func TestNotLivingHereNeedsTheExplanation(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	doc := example(t)
	set(doc, "/household/1/registered", true)
	set(doc, "/household/1/notLivingHere", true)
	res := b.form.Validate(doc, Options{Mode: Full})
	if res.Valid || len(res.Errors) != 1 || res.Errors[0].Pointer != "/household/1/notLivingExplanation" {
		t.Fatalf("without the explanation: %+v", res.Errors)
	}
}
