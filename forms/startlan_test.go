package forms

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/skjema/skjema/forms/serviceability"
)

// startlan loads the shipped startlån form and a fresh copy of its example
// application (a couple buying a flat in a sameie, with one co-applicant).
func startlan(t *testing.T) (*Form, map[string]any) {
	t.Helper()
	r, err := Load(Config{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	f, ok := r.Form("startlan")
	if !ok {
		t.Fatal("startlan is not in the registry")
	}
	b, err := os.ReadFile("../examples/startlan/application.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return f, doc
}

func checklistIDs(res Result) []string {
	var ids []string
	for _, c := range res.Checklist {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestStartlanRoadAndSignIn(t *testing.T) {
	t.Parallel()
	f, _ := startlan(t)
	if f.Road() != RoadKommune || f.Calendar() != CalendarNone || f.Agency != "" {
		t.Fatalf("road %q, calendar %q, agency %q: the kommune decides startlån, with no calendar", f.Road(), f.Calendar(), f.Agency)
	}
	if f.Layout.SignIn != High {
		t.Fatalf("signIn %q: startlån needs ID-porten level high [HB-startlan-verge]", f.Layout.SignIn)
	}
}

func TestStartlanAttachmentsFollowTheAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		change  map[string]any // pointer → value (nil deletes)
		want    []string       // attachments that must be asked for
		notWant []string       // and those that must not
	}{
		{
			name: "buying a flat in a sameie asks for contract, valuation and shared costs",
			want: []string{"taxReturn", "payslips", "employmentContract", "debtStatements", "equity", "bankAnswer", "lease",
				"valuation", "purchaseContract", "sharedCostsStatement"},
			notWant: []string{"mortgageCertificate", "costEstimate", "buildingDocuments", "leaseholdContract", "separation",
				"healthCertificate", "debtSettlement", "benefitDecision", "otherIncome"},
		},
		{
			name:    "refinancing asks for the pantattest, not a purchase contract",
			change:  map[string]any{"/purpose/type": "refinance", "/property/value": 3500000},
			want:    []string{"valuation", "mortgageCertificate"},
			notWant: []string{"purchaseContract", "costEstimate"},
		},
		{
			name:    "a financing certificate has no home, so no documents about one",
			change:  map[string]any{"/purpose/type": "certificate"},
			want:    []string{"taxReturn", "bankAnswer"},
			notWant: []string{"valuation", "purchaseContract", "sharedCostsStatement", "leaseholdContract"},
		},
		{
			name:   "adapting the home asks for a cost estimate",
			change: map[string]any{"/purpose/type": "adapt", "/property/workCost": 250000},
			want:   []string{"costEstimate"},
		},
		{
			name:   "buying out a spouse asks for the separation papers",
			change: map[string]any{"/purpose/type": "buyOut", "/property/buyOutAmount": 900000, "/property/value": 3400000},
			want:   []string{"separation", "valuation"},
		},
		{
			name:   "a festetomt asks for the festekontrakt",
			change: map[string]any{"/property/leasehold": true, "/property/groundRent": 6000},
			want:   []string{"leaseholdContract"},
		},
		{
			name:    "a co-applicant's trygd asks for the vedtak; a permanent job held long needs no contract",
			change:  map[string]any{"/coApplicants/0/employmentStatus": "benefits", "/coApplicants/0/benefitsMonthly": 21000},
			want:    []string{"benefitDecision", "payslips"},
			notWant: []string{"employmentContract"},
		},
		{
			name: "health grounds ask for a helseattest",
			change: map[string]any{"/health/description": "Datteren vår bruker rullestol.", "/health/healthGrounds": true,
				"/health/consent": true},
			want: []string{"healthCertificate"},
		},
		{
			name:   "debt settlement asks for the agreement",
			change: map[string]any{"/debtSettlement": true},
			want:   []string{"debtSettlement"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, doc := startlan(t)
			for p, v := range c.change {
				set(doc, p, v)
			}
			res := f.Validate(doc, Options{Mode: Partial})
			ids := checklistIDs(res)
			for _, id := range c.want {
				if !slices.Contains(ids, id) {
					t.Errorf("%s is not asked for: %v", id, ids)
				}
			}
			for _, id := range c.notWant {
				if slices.Contains(ids, id) {
					t.Errorf("%s is asked for: %v", id, ids)
				}
			}
		})
	}
}

func TestStartlanConditionalAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change map[string]any
		errAt  string // the one error expected, "" for a valid document
	}{
		{"health text without consent is refused", map[string]any{"/health/description": "Vi må flytte på grunn av trusler."}, "/health/consent"},
		{"health text with consent is valid", map[string]any{"/health/description": "Vi må flytte på grunn av trusler.", "/health/consent": true}, ""},
		{"a purchase needs the price", map[string]any{"/property/price": nil}, "/property/price"},
		{"a certificate drops the home it no longer needs", map[string]any{"/purpose/type": "certificate", "/property/price": nil}, ""},
		{"a bank offer needs the amount", map[string]any{"/bank/offeredAmount": nil}, "/bank/offeredAmount"},
		{"no bank asked needs no bank answer", map[string]any{"/bank/applied": false, "/attachments/bankAnswer": nil}, ""},
		{"a rate is a percentage", map[string]any{"/debts/0/rate": "fem"}, "/debts/0/rate"},
		{"a credit card has no term", map[string]any{"/debts/1/type": "creditCard", "/debts/1/remainingYears": nil, "/debts/1/rateType": nil}, ""},
		{"a co-applicant's temporary job needs the employer", map[string]any{"/coApplicants/0/employer": nil}, "/coApplicants/0/employer"},
		{"co-applicants must know of the application", map[string]any{"/declaration/coApplicantsAgree": nil}, "/declaration/coApplicantsAgree"},
		{"alone, no co-applicants confirm", map[string]any{"/coApplicants": nil, "/declaration/coApplicantsAgree": nil, "/attachments/employmentContract": nil}, ""},
		{"a borettslag needs its fellesgjeld", map[string]any{"/property/ownershipForm": "borettslag", "/property/snr": nil}, "/property/sharedDebt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, doc := startlan(t)
			for p, v := range c.change {
				set(doc, p, v)
			}
			res := f.Validate(doc, Options{Mode: Full})
			switch {
			case c.errAt == "" && !res.Valid:
				t.Fatalf("want valid, got %+v", res.Errors)
			case c.errAt != "" && (len(res.Errors) != 1 || res.Errors[0].Pointer != c.errAt):
				t.Fatalf("want one error at %s, got %+v", c.errAt, res.Errors)
			}
		})
	}
}

func TestStartlanFlagsForTheCaseworker(t *testing.T) {
	t.Parallel()
	f, doc := startlan(t)
	set(doc, "/bank/answer", "waiting")
	set(doc, "/coApplicants/0/willBeRegisteredOwner", false)
	res := f.Validate(doc, Options{Mode: Full})
	got := f.ReviewReasons(res.Document, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	want := []string{"bankAnswerMissing", "coApplicantNotOwner", "attachmentLater"}
	if !slices.Equal(got, want) {
		t.Fatalf("reasons %v, want %v", got, want)
	}
}

// TestStartlanServiceability: the shipped form's betjeningsevne reads the
// example's incomes, household, debts and home, with the guideline rates as
// living costs, and weighs the loan asked at the caseworker's terms.
func TestStartlanServiceability(t *testing.T) {
	t.Parallel()
	f, doc := startlan(t)
	res, ok, err := f.Serviceability(doc, serviceability.Terms{RatePercent: 5, Years: 30, On: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || !ok {
		t.Fatalf("Serviceability: %v, %v", ok, err)
	}
	if res.Income <= 0 || res.LivingCosts <= 0 || res.Living.Basis != "minimum" || len(res.Persons) < 2 {
		t.Fatalf("income %d, living %d (%s), %d persons: the example's figures were not read", res.Income, res.LivingCosts, res.Living.Basis, len(res.Persons))
	}
	if res.Available != res.Income-res.LivingCosts-res.FixedCosts-res.DebtCosts-res.HousingCosts-res.Caseworker {
		t.Fatalf("available %d does not add up", res.Available)
	}
	if res.Loan.Asked <= 0 || res.Loan.Monthly != serviceability.Payment(res.Loan.Asked, 5, 30) {
		t.Fatalf("the loan asked: %+v", res.Loan)
	}
	// A form without one says so.
	bos, _ := Load(Config{})
	b, _ := bos.Form("bostotte")
	if _, ok, _ := b.Serviceability(doc, serviceability.Terms{RatePercent: 5, Years: 30}); ok {
		t.Fatal("bostøtte has a betjeningsevne")
	}
}

func TestApplicantsAreEveryoneWhoApplies(t *testing.T) {
	f, doc := startlan(t)
	if got, want := f.Applicants(doc), []string{"Kari Nordmann", "Ola Nordmann"}; !slices.Equal(got, want) {
		t.Errorf("Applicants = %q, want %q", got, want)
	}
	doc["coApplicants"] = []any{map[string]any{"givenName": " Per  Arne "}, map[string]any{}}
	if got, want := f.Applicants(doc), []string{"Kari Nordmann", "Per Arne"}; !slices.Equal(got, want) {
		t.Errorf("Applicants = %q, want %q (a nameless co-applicant left out)", got, want)
	}
}
