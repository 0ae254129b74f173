package serviceability

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The worked examples below are NOT Husbanken's: no worked example of the
// guidance could be found offline ([HB-betjeningsevne] and [HB-sifo] state
// the method, not an example). They are built from the method the guidance
// states (income after tax − living costs, never below the guideline rate
// for social assistance − other fixed costs − debts − upkeep, the home's
// other costs, and an annuity at the caseworker's rate and term; with a
// second lender both loans' payments count), the official 2024 guideline
// rates (rundskriv A-3/2023), and the placeholder reference amounts of
// testdata/referanse-test.json, which are not SIFO's. Every expected figure
// was worked out by hand and the annuities checked with an independent
// calculation (Python, the textbook formula), not with this package.

type testBundle struct {
	cfg    Config
	budget Budget
}

func setup(t *testing.T) testBundle {
	t.Helper()
	raw, err := os.ReadFile("testdata/config.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	budget, err := LoadBudget(os.DirFS("testdata"), ".", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return testBundle{cfg: cfg, budget: budget}
}

// decode reads a document the way the server does, numbers as json.Number.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

var june2025 = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

// Example 1: one adult buying a flat in a housing cooperative.
// A man, 36 by his fødselsnummer (15.03.1989; odd ninth digit: male), net
// wage 32 000 a month, student loan 1 200 a month, common costs 3 000 a
// month, upkeep 500 (the caseworker's estimate). Price 2 500 000, costs
// 62 500, equity 100 000: asks 2 462 500. Terms 5.5 %, 30 years.
//
//	living, reference: individual male 18–50: 5 600 + household of 1: 3 500 = 9 100
//	living, minimum:   single 7 850                    → 9 100 (reference) used
//	available: 32 000 − 9 100 − 1 200 − 3 000 − 500 = 18 200
//	annuity on 2 462 500 at 5.5 %/12 over 360 months = 13 981.0… → 13 982
//	largest loan for 18 200 = 18 200 × (1 − 1.0045833…^−360)/0.0045833… = 3 205 416
const example1 = `{
  "applicant": {"fodselsnummer": "15038912337", "income": {"netMonthlyWage": 32000}},
  "debts": [{"creditor": "Lånekassen", "balance": 240000, "instalment": 1200}],
  "property": {"price": 2500000, "costs": 62500, "commonCostsMonthly": 3000},
  "finance": {"equity": 100000}
}`

// Example 2: a couple and two children, with a bank's loan beside the
// kommune's (co-financing: "disponibelt beløp [må] dekke renter og avdrag
// på begge lån" [HB-betjeningsevne]).
// Applicant: a woman, 38 by her fødselsnummer (02.07.1986), net 28 000.
// Co-applicant: a man born 1985-01-10 (40), net 31 000. Children: a boy
// aged 4, a girl born 2016-02-01 (9). Child benefit 3 532. Kindergarten
// 3 000, after-school care 2 000. Debts: car loan, instalment 3 100; credit
// card 20 000 at 20 % over 3 years, no instalment answered; the bank's new
// loan of 2 400 000 at 5.5 % over 30 years. Municipal fees 18 000 a year,
// property tax 3 600 a year. Upkeep 1 500. Price 4 200 000, costs 105 000,
// equity 300 000, bank 2 400 000: asks 1 605 000. Terms 5 %, 30 years,
// stress +3 points.
//
//	income: 28 000 + 31 000 + 3 532 = 62 532
//	living, reference: 5 200 + 5 600 + 3 000 + 3 800 + household of 4: 5 500 = 23 100
//	living, minimum:   couple 13 100 + 3 850 + 3 950 = 20 900 → 23 100 used
//	fixed: 3 000 + 2 000 = 5 000
//	debts: 3 100 + annuity(20 000, 20 %, 3 y) 744 + annuity(2 400 000, 5.5 %, 30 y) 13 627 = 17 471
//	housing: 18 000/12 = 1 500 + 3 600/12 = 300 → 1 800
//	available: 62 532 − 23 100 − 5 000 − 17 471 − 1 800 − 1 500 = 13 661
//	annuity on 1 605 000: at 5 % 8 616; at 8 % 11 777 ≤ 13 661: fits
//	largest loan: at 5 % 2 544 793; at 8 % 1 861 768
const example2 = `{
  "applicant": {"fodselsnummer": "02078624097", "income": {"netMonthlyWage": 28000}},
  "coApplicants": [{"birthDate": "1985-01-10", "sex": "mann", "income": {"netMonthlyWage": 31000}}],
  "household": [{"age": 4, "sex": "male"}, {"birthDate": "2016-02-01", "sex": "female"}],
  "income": {"childBenefitMonthly": 3532},
  "expenses": {"kindergartenMonthly": 3000, "afterSchoolMonthly": 2000},
  "debts": [
    {"creditor": "Billån", "balance": 150000, "instalment": 3100},
    {"creditor": "Kredittkort", "balance": 20000, "rate": 20, "remainingYears": 3},
    {"creditor": "Banken (samfinansiering)", "balance": 2400000, "rate": 5.5, "remainingYears": 30}
  ],
  "property": {"price": 4200000, "costs": 105000, "municipalFeesYearly": 18000, "propertyTaxYearly": 3600},
  "finance": {"equity": 300000},
  "bank": {"offeredAmount": 2400000}
}`

// Example 3: seven in the home, where the minimum is above the reference
// budget after its 12 % economies-of-scale reduction, so the minimum rules.
// Adults: a woman born 1995-01-01 (30), a man born 1993-01-01 (32).
// Children aged 1, 3 and 7 (sex not answered), a girl of 12 and a boy of
// 15. Net 45 000 + 20 000, child benefit 8 830, other fixed costs 2 000.
// Asks 3 000 000 (the amount answered). Terms 5 %, 50 years (the longest).
//
//	reference: individual 5 200 + 5 600 + 3 000 + 3 000 + 3 800 + 4 600 + 4 900 = 30 100,
//	           less 12 % = 3 612, plus household of 6 or more: 6 400 → 32 888
//	minimum:   couple 13 100 + 3 850 + 3 850 + 3 950 + 5 150 + 5 150 = 35 050 → used
//	available: 73 830 − 35 050 − 2 000 = 36 780
//	annuity on 3 000 000 at 5 % over 600 months: 13 625; largest loan 8 098 846
const example3 = `{
  "applicant": {"birthDate": "1995-01-01", "sex": "kvinne", "income": {"netMonthlyWage": 45000}},
  "coApplicants": [{"birthDate": "1993-01-01", "sex": "mann", "income": {"netMonthlyWage": 20000}}],
  "household": [{"age": 1}, {"age": 3}, {"age": 7}, {"age": 12, "sex": "female"}, {"age": 15, "sex": "male"}],
  "income": {"childBenefitMonthly": 8830},
  "expenses": {"otherMonthly": 2000},
  "loan": {"amount": 3000000}
}`

type want struct {
	income, living, fixed, debts, housing, caseworker, available int
	basis                                                        string
	referenceTotal, minimumTotal                                 int
	asked, monthly, maxLoan                                      int
	stressMonthly, stressMaxLoan                                 int
	fits                                                         bool
	missing                                                      []string
}

func TestWorkedExamples(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name  string
		doc   string
		terms Terms
		want  want
	}{
		{
			name:  "example 1: one adult, reference budget above the minimum, asked loan fits",
			doc:   example1,
			terms: Terms{RatePercent: 5.5, Years: 30, On: june2025, Maintenance: 500},
			want: want{income: 32000, living: 9100, debts: 1200, housing: 3000, caseworker: 500, available: 18200,
				basis: "reference", referenceTotal: 9100, minimumTotal: 7850,
				asked: 2462500, monthly: 13982, maxLoan: 3205416, fits: true},
		},
		{
			name:  "example 1 with 3 points of stress: the same loan no longer fits",
			doc:   example1,
			terms: Terms{RatePercent: 5.5, Years: 30, On: june2025, Maintenance: 500, StressPercentPoints: 3},
			want: want{income: 32000, living: 9100, debts: 1200, housing: 3000, caseworker: 500, available: 18200,
				basis: "reference", referenceTotal: 9100, minimumTotal: 7850,
				asked: 2462500, monthly: 13982, maxLoan: 3205416, stressMonthly: 18935, stressMaxLoan: 2366976, fits: false},
		},
		{
			name:  "example 2: couple, two children, co-financing, yearly fees, stress test passed",
			doc:   example2,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025, Maintenance: 1500, StressPercentPoints: 3},
			want: want{income: 62532, living: 23100, fixed: 5000, debts: 17471, housing: 1800, caseworker: 1500, available: 13661,
				basis: "reference", referenceTotal: 23100, minimumTotal: 20900,
				asked: 1605000, monthly: 8616, maxLoan: 2544793, stressMonthly: 11777, stressMaxLoan: 1861768, fits: true},
		},
		{
			name:  "example 3: seven persons, the minimum is above the scaled reference, 50 years",
			doc:   example3,
			terms: Terms{RatePercent: 5, Years: MaxYears, On: june2025},
			want: want{income: 73830, living: 35050, fixed: 2000, available: 36780,
				basis: "minimum", referenceTotal: 32888, minimumTotal: 35050,
				asked: 3000000, monthly: 13625, maxLoan: 8098846, fits: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Compute(decode(t, tt.doc), b.cfg, b.budget, tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			check(t, r, tt.want)
		})
	}
}

func check(t *testing.T, r Result, w want) {
	t.Helper()
	got := want{
		income: r.Income, living: r.LivingCosts, fixed: r.FixedCosts, debts: r.DebtCosts, housing: r.HousingCosts,
		caseworker: r.Caseworker, available: r.Available, basis: r.Living.Basis,
		referenceTotal: r.Living.ReferenceTotal, minimumTotal: r.Living.MinimumTotal,
		asked: r.Loan.Asked, monthly: r.Loan.Monthly, maxLoan: r.Loan.MaxLoan,
		stressMonthly: r.Loan.StressMonthly, stressMaxLoan: r.Loan.StressMaxLoan, fits: r.Loan.Fits,
		missing: r.Missing,
	}
	if strings.Join(got.missing, "|") != strings.Join(w.missing, "|") {
		t.Errorf("missing = %q, want %q", got.missing, w.missing)
	}
	got.missing, w.missing = nil, nil
	if !equalWant(got, w) {
		t.Errorf("\ngot  %+v\nwant %+v", got, w)
	}
	// The lines are the figures: they must add up to what is shown.
	sum := 0
	for _, l := range r.Lines {
		if l.Group == GroupIncome {
			sum += l.Amount
		} else {
			sum -= l.Amount
		}
	}
	if sum != r.Available {
		t.Errorf("lines add up to %d, available is %d: %+v", sum, r.Available, r.Lines)
	}
	ref := 0
	for _, l := range r.Living.Reference {
		ref += l.Amount
	}
	if ref != r.Living.ReferenceTotal {
		t.Errorf("reference lines add up to %d, total is %d", ref, r.Living.ReferenceTotal)
	}
	minimum := 0
	for _, l := range r.Living.Minimum {
		minimum += l.Amount
	}
	if minimum != r.Living.MinimumTotal {
		t.Errorf("minimum lines add up to %d, total is %d", minimum, r.Living.MinimumTotal)
	}
}

func equalWant(a, b want) bool {
	a.missing, b.missing = nil, nil
	return a.income == b.income && a.living == b.living && a.fixed == b.fixed && a.debts == b.debts &&
		a.housing == b.housing && a.caseworker == b.caseworker && a.available == b.available &&
		a.basis == b.basis && a.referenceTotal == b.referenceTotal && a.minimumTotal == b.minimumTotal &&
		a.asked == b.asked && a.monthly == b.monthly && a.maxLoan == b.maxLoan &&
		a.stressMonthly == b.stressMonthly && a.stressMaxLoan == b.stressMaxLoan && a.fits == b.fits
}

func TestExample2ShowsEveryFigure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r, err := Compute(decode(t, example2), b.cfg, b.budget, Terms{RatePercent: 5, Years: 30, On: june2025, Maintenance: 1500})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range r.Lines {
		got = append(got, l.Group+"."+l.Key+" "+l.Source+" "+itoa(l.Amount))
	}
	want := []string{
		"income.wage /applicant/income/netMonthlyWage 28000",
		"income.wage /coApplicants/0/income/netMonthlyWage 31000",
		"income.childBenefit /income/childBenefitMonthly 3532",
		"living.reference budget.reference 23100",
		"fixed.childcare /expenses/kindergartenMonthly 3000",
		"fixed.afterSchool /expenses/afterSchoolMonthly 2000",
		"debt.debt /debts/0 3100",
		"debt.debt /debts/1 744",
		"debt.debt /debts/2 13627",
		"housing.municipalFees /property/municipalFeesYearly 1500",
		"housing.propertyTax /property/propertyTaxYearly 300",
		"caseworker.maintenance terms 1500",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var persons []string
	for _, p := range r.Persons {
		persons = append(persons, p.Source+" "+itoa(p.Age)+" "+p.Sex)
	}
	wantPersons := "/applicant 38 female|/coApplicants/0 40 male|/household/0 4 male|/household/1 9 female"
	if strings.Join(persons, "|") != wantPersons {
		t.Errorf("persons = %q, want %q", strings.Join(persons, "|"), wantPersons)
	}
	var loan []string
	for _, l := range r.Loan.Lines {
		loan = append(loan, l.Key+" "+itoa(l.Amount))
	}
	if got, want := strings.Join(loan, "|"), "price 4200000|costs 105000|equity -300000|otherFinancing -2400000"; got != want {
		t.Errorf("loan lines = %q, want %q", got, want)
	}
	if r.Budget.Reference == nil || r.Budget.Reference.Official || !r.Budget.Minimum.Official {
		t.Errorf("provenance = %+v: the placeholder reference must say it is not official, the minimum that it is", r.Budget)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestEdgeCases(t *testing.T) {
	t.Parallel()
	b := setup(t)
	minimumOnly, err := ParseBudget(mustRead(t, "testdata/sosialhjelp-2024.json"))
	if err != nil {
		t.Fatal(err)
	}
	own := 6000
	high := 12000
	tests := []struct {
		name   string
		doc    string
		budget *Budget
		terms  Terms
		want   want
	}{
		{
			name:  "no income: negative surplus, no loan carried, does not fit",
			doc:   `{"applicant": {"birthDate": "1990-05-05", "sex": "female"}, "loan": {"amount": 500000}}`,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025},
			want: want{living: 8700, available: -8700, basis: "reference", referenceTotal: 8700, minimumTotal: 7850,
				asked: 500000, monthly: 2685, fits: false,
				missing: []string{"/applicant/income/netMonthlyWage"}},
		},
		{
			name:  "zero rate: the loan is repaid in equal parts",
			doc:   `{"applicant": {"age": 40, "sex": "male", "income": {"netMonthlyWage": 12433}}, "loan": {"amount": 1200000}}`,
			terms: Terms{RatePercent: 0, Years: 30, On: june2025},
			want: want{income: 12433, living: 9100, available: 3333, basis: "reference", referenceTotal: 9100, minimumTotal: 7850,
				asked: 1200000, monthly: 3334, maxLoan: 1199880, fits: false},
		},
		{
			name:   "budget without a reference table: the minimum is used",
			doc:    `{"applicant": {"age": 40, "income": {"netMonthlyWage": 20000}}, "loan": {"amount": 1000000}}`,
			budget: &minimumOnly,
			terms:  Terms{RatePercent: 5, Years: 30, On: june2025},
			want: want{income: 20000, living: 7850, available: 12150, basis: "minimum", minimumTotal: 7850,
				asked: 1000000, monthly: 5369, maxLoan: 2263321, fits: true},
		},
		{
			name:  "the caseworker's figure from actual spending replaces the reference",
			doc:   `{"applicant": {"age": 40, "income": {"netMonthlyWage": 20000}}, "loan": {"amount": 1000000}}`,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025, LivingCosts: &high},
			want: want{income: 20000, living: 12000, available: 8000, basis: "caseworker", referenceTotal: 9100, minimumTotal: 7850,
				asked: 1000000, monthly: 5369, maxLoan: 1490252, fits: true},
		},
		{
			name:  "the caseworker's figure below the minimum is raised to it",
			doc:   `{"applicant": {"age": 40, "income": {"netMonthlyWage": 20000}}, "loan": {"amount": 1000000}}`,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025, LivingCosts: &own},
			want: want{income: 20000, living: 7850, available: 12150, basis: "minimum", referenceTotal: 9100, minimumTotal: 7850,
				asked: 1000000, monthly: 5369, maxLoan: 2263321, fits: true},
		},
		{
			name: "missing optional answers count as 0; an unknown age and sex take the costliest reading",
			doc:  `{"applicant": {"income": {"netMonthlyWage": 30000}}, "debts": [{"creditor": "X", "balance": 1000}], "property": {"price": 1000000}}`,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025, FeePerMonth: 50,
				Extra: []Extra{{Key: "electricity", Amount: 1200, Note: "estimate"}}},
			// Unknown age and sex: the highest individual amount (male
			// 18–50: 5 600) + household 3 500 = 9 100; an adult on the
			// minimum. The debt without a payment counts 0 and is asked for.
			want: want{income: 30000, living: 9100, caseworker: 1200, available: 19700, basis: "reference",
				referenceTotal: 9100, minimumTotal: 7850, asked: 1000000, monthly: 5369 + 50, maxLoan: 3660433, fits: true,
				missing: []string{"/applicant (age)", "/debts/0 (monthly payment)"}},
		},
		{
			name:  "nothing asked: no loan fits",
			doc:   `{"applicant": {"age": 30, "income": {"netMonthlyWage": 30000}}}`,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025},
			want: want{income: 30000, living: 9100, available: 20900, basis: "reference", referenceTotal: 9100, minimumTotal: 7850,
				maxLoan: 3893285, fits: false, missing: []string{"/loan/amount"}},
		},
		{
			name:  "equity above the price asks for nothing",
			doc:   `{"applicant": {"age": 30, "income": {"netMonthlyWage": 30000}}, "property": {"price": 100000}, "finance": {"equity": 200000}}`,
			terms: Terms{RatePercent: 5, Years: 30, On: june2025},
			want: want{income: 30000, living: 9100, available: 20900, basis: "reference", referenceTotal: 9100, minimumTotal: 7850,
				maxLoan: 3893285, fits: false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			budget := b.budget
			if tt.budget != nil {
				budget = *tt.budget
			}
			r, err := Compute(decode(t, tt.doc), b.cfg, budget, tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			check(t, r, tt.want)
		})
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestManyMembers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Two adults and ten children aged 0 to 9: the household table's
	// largest size (6) serves larger households, the 12 % step applies,
	// and every person has a line in both tables.
	var kids []string
	for age := 0; age < 10; age++ {
		kids = append(kids, `{"age": `+itoa(age)+`}`)
	}
	doc := `{"applicant": {"age": 35, "sex": "female", "income": {"netMonthlyWage": 90000}},
	  "coApplicants": [{"age": 36, "sex": "male"}], "household": [` + strings.Join(kids, ",") + `], "loan": {"amount": 100000}}`
	r, err := Compute(decode(t, doc), b.cfg, b.budget, Terms{RatePercent: 5, Years: 30, On: june2025})
	if err != nil {
		t.Fatal(err)
	}
	// individual: 5 200 + 5 600 + 6 × 3 000 + 4 × 3 800 = 44 000; less 12 % = 5 280; + 6 400 = 45 120
	// minimum: 13 100 + 6 × 3 850 + 4 × 3 950 = 52 000
	if r.Living.ReferenceTotal != 45120 || r.Living.MinimumTotal != 52000 || r.LivingCosts != 52000 || len(r.Persons) != 12 {
		t.Errorf("reference %d, minimum %d, used %d, persons %d", r.Living.ReferenceTotal, r.Living.MinimumTotal, r.LivingCosts, len(r.Persons))
	}
	if len(r.Living.Reference) != 12+2 || len(r.Living.Minimum) != 10+1 {
		t.Errorf("reference lines %d, minimum lines %d", len(r.Living.Reference), len(r.Living.Minimum))
	}
}

func TestThreeAdultsOnTheMinimum(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := `{"applicant": {"age": 50}, "coApplicants": [{"age": 48}], "household": [{"age": 19}], "loan": {"amount": 1}}`
	r, err := Compute(decode(t, doc), b.cfg, b.budget, Terms{RatePercent: 5, Years: 30, On: june2025})
	if err != nil {
		t.Fatal(err)
	}
	// couple 13 100 + one adult beyond two at the shared-housing rate 6 600
	if r.Living.MinimumTotal != 19700 {
		t.Errorf("minimum = %d, want 19 700: %+v", r.Living.MinimumTotal, r.Living.Minimum)
	}
}

func TestNumbersDecodedAsFloats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(example1), &doc); err != nil {
		t.Fatal(err)
	}
	r, err := Compute(doc, b.cfg, b.budget, Terms{RatePercent: 5.5, Years: 30, On: june2025, Maintenance: 500})
	if err != nil {
		t.Fatal(err)
	}
	if r.Available != 18200 || r.Loan.Monthly != 13982 {
		t.Errorf("available %d, monthly %d", r.Available, r.Loan.Monthly)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := decode(t, example1)
	for _, tt := range []struct {
		name  string
		terms Terms
	}{
		{"a term over 50 years", Terms{RatePercent: 5, Years: MaxYears + 1}},
		{"no term", Terms{RatePercent: 5}},
		{"a negative rate", Terms{RatePercent: -1, Years: 30}},
		{"a negative stress add-on", Terms{RatePercent: 5, Years: 30, StressPercentPoints: -3}},
		{"a negative upkeep", Terms{RatePercent: 5, Years: 30, Maintenance: -1}},
	} {
		if _, err := Compute(doc, b.cfg, b.budget, tt.terms); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := Compute(decode(t, `{"loan": {"amount": 1}}`), b.cfg, b.budget, Terms{RatePercent: 5, Years: 30}); !errors.Is(err, ErrNoHousehold) {
		t.Errorf("no household: err = %v, want ErrNoHousehold", err)
	}
}
