package serviceability

import (
	"errors"
	"fmt"
	"time"

	"github.com/skjema/skjema/forms/jsondoc"
)

// Terms are the caseworker's choices for one computation.
type Terms struct {
	// RatePercent is the nominal yearly rate the loan is computed at. The
	// guidance leaves it to the caseworker, who must bear a future rise in
	// mind for a floating rate [HB-fast-flytende].
	RatePercent float64 `json:"ratePercent"`
	// Years is the term: normally 30, at most MaxYears (50)
	// [HB-nedbetalingsvilkar].
	Years int `json:"years"`
	// StressPercentPoints, when above 0, is added to RatePercent for a
	// second reading: Fits is then judged at the higher rate. The guidance
	// for these loans sets no add-on and says its test is not the banks'
	// under utlånsforskriften [HB-betjeningsevne]; Husbanken's own loans
	// use 5 points under utlånsforskriften § 5 [HB-lanekalkulator]. So
	// there is no default: the kommune's practice or the caseworker
	// decides. Defaults to 0 (no stress reading).
	StressPercentPoints float64 `json:"stressPercentPoints,omitempty"`
	// FeePerMonth is the term fee (termingebyr) added to each payment.
	// Defaults to 0.
	FeePerMonth int `json:"feePerMonth,omitempty"`
	// On is the day ages are judged on; needed when an age comes from a
	// birth date or a fødselsnummer. A zero On leaves such ages unknown.
	On time.Time `json:"on"`
	// LivingCosts is the caseworker's own monthly figure from the
	// household's actual spending, which the guidance prefers
	// [HB-faktiske-utgifter]; it replaces the reference budget but never
	// goes below the minimum. Nil: the reference budget.
	LivingCosts *int `json:"livingCosts,omitempty"`
	// Maintenance is the caseworker's estimate of the home's upkeep per
	// month, short and long term [HB-betjeningsevne]. Defaults to 0.
	Maintenance int `json:"maintenance,omitempty"`
	// Extra are further monthly costs the caseworker counts (electricity,
	// insurance, a cost the form did not ask), each shown as a line.
	Extra []Extra `json:"extra,omitempty"`
}

// Extra is a monthly cost the caseworker adds.
type Extra struct {
	Key    string `json:"key"`
	Amount int    `json:"amount"`
	Note   string `json:"note,omitempty"`
}

// Groups of lines.
const (
	GroupIncome     = "income"
	GroupLiving     = "living"
	GroupFixed      = "fixed"
	GroupDebt       = "debt"
	GroupHousing    = "housing"
	GroupCaseworker = "caseworker"
	GroupLoan       = "loan"
)

// Line is one figure the computation used: an income (added) or a cost
// (subtracted) per month in whole kroner, or, in GroupLoan, an amount of
// the loan asked. Group and Key name it for the form's texts
// (serviceability.<group>.<key>); Source is the application pointer it was
// read at, or "budget.reference", "budget.minimum" or "terms".
type Line struct {
	Group  string `json:"group"`
	Key    string `json:"key"`
	Source string `json:"source"`
	Amount int    `json:"amount"`
	Note   string `json:"note,omitempty"`
}

// Result is the computation with every figure it used.
type Result struct {
	Budget  BudgetUsed `json:"budget"`
	Terms   Terms      `json:"terms"`
	Persons []Person   `json:"persons"`
	// Lines are, in order, incomes, the living-cost amount, other fixed
	// costs, debts, housing costs and the caseworker's additions: each
	// figure that enters Available.
	Lines  []Line `json:"lines"`
	Living Living `json:"living"`

	Income       int `json:"income"`
	LivingCosts  int `json:"livingCosts"`
	FixedCosts   int `json:"fixedCosts"`
	DebtCosts    int `json:"debtCosts"`
	HousingCosts int `json:"housingCosts"`
	Caseworker   int `json:"caseworker"`
	// Available is what is left each month to service the new loan:
	// Income − LivingCosts − FixedCosts − DebtCosts − HousingCosts −
	// Caseworker. It may be negative.
	Available int `json:"available"`

	Loan Loan `json:"loan"`
	// Missing lists the pointers of answers the computation needed and did
	// not find (or found not to be a number): the caseworker should ask.
	Missing []string `json:"missing,omitempty"`
}

// BudgetUsed says which tables the living costs came from.
type BudgetUsed struct {
	Year      int         `json:"year"`
	Reference *Provenance `json:"reference,omitempty"`
	Minimum   Provenance  `json:"minimum"`
}

// Loan is the asked loan at the caseworker's terms.
type Loan struct {
	// Lines show how Asked was found (the amount, or price, costs, equity
	// and other financing).
	Lines []Line `json:"lines"`
	Asked int    `json:"asked"`
	// Monthly is the annuity term on Asked at Terms.RatePercent plus the
	// fee; MaxLoan the largest loan Available carries at that rate.
	Monthly int `json:"monthly"`
	MaxLoan int `json:"maxLoan"`
	// StressRatePercent, StressMonthly and StressMaxLoan are the same at
	// the rate plus Terms.StressPercentPoints; zero without a stress add-on.
	StressRatePercent float64 `json:"stressRatePercent,omitempty"`
	StressMonthly     int     `json:"stressMonthly,omitempty"`
	StressMaxLoan     int     `json:"stressMaxLoan,omitempty"`
	// Fits is true when Available covers the monthly cost, at the stress
	// rate when there is one; false when nothing is asked. It informs the
	// caseworker; it decides nothing.
	Fits bool `json:"fits"`
}

// ErrNoHousehold is returned when the application names nobody living in
// the home: living costs cannot be set for nobody.
var ErrNoHousehold = errors.New("serviceability: the application names no household members")

// Compute works out betjeningsevne from an application document. It fails
// only on bad terms or an empty household; a missing answer counts as 0 and
// is listed in Result.Missing.
func Compute(doc map[string]any, cfg Config, budget Budget, terms Terms) (Result, error) {
	if err := terms.check(); err != nil {
		return Result{}, err
	}
	r := Result{Terms: terms, Budget: BudgetUsed{Year: budget.Year, Minimum: budget.Minimum.Provenance}}
	if budget.Reference != nil {
		p := budget.Reference.Provenance
		r.Budget.Reference = &p
	}
	r.Persons = readPersons(doc, cfg, terms.On, &r.Missing)
	if len(r.Persons) == 0 {
		return Result{}, ErrNoHousehold
	}

	for _, it := range cfg.Incomes {
		r.Income += r.items(doc, GroupIncome, it)
	}

	r.Living = living(budget, r.Persons, terms.LivingCosts)
	r.LivingCosts = r.Living.Used
	r.Lines = append(r.Lines, Line{Group: GroupLiving, Key: r.Living.Basis, Source: livingSource(r.Living.Basis), Amount: r.LivingCosts})

	for _, it := range cfg.FixedCosts {
		r.FixedCosts += r.items(doc, GroupFixed, it)
	}
	if cfg.Debts != nil {
		r.DebtCosts = r.debts(doc, *cfg.Debts)
	}
	for _, it := range cfg.HousingCosts {
		r.HousingCosts += r.items(doc, GroupHousing, it)
	}

	r.Lines = append(r.Lines, Line{Group: GroupCaseworker, Key: "maintenance", Source: sourceTerms, Amount: terms.Maintenance})
	r.Caseworker = terms.Maintenance
	for _, e := range terms.Extra {
		r.Lines = append(r.Lines, Line{Group: GroupCaseworker, Key: e.Key, Source: sourceTerms, Amount: e.Amount, Note: e.Note})
		r.Caseworker += e.Amount
	}

	r.Available = r.Income - r.LivingCosts - r.FixedCosts - r.DebtCosts - r.HousingCosts - r.Caseworker
	r.Loan = r.loan(doc, cfg.Loan, terms)
	return r, nil
}

func livingSource(basis string) string {
	switch basis {
	case "reference":
		return sourceReference
	case "caseworker":
		return sourceTerms
	}
	return sourceMinimum
}

func (t Terms) check() error {
	var errs []error
	if t.Years < 1 || t.Years > MaxYears {
		errs = append(errs, fmt.Errorf("years must be 1 to %d, not %d", MaxYears, t.Years))
	}
	if t.RatePercent < 0 || t.RatePercent > 100 || t.RatePercent != t.RatePercent {
		errs = append(errs, fmt.Errorf("ratePercent must be 0 to 100, not %g", t.RatePercent))
	}
	if t.StressPercentPoints < 0 || t.StressPercentPoints > 100 || t.StressPercentPoints != t.StressPercentPoints {
		errs = append(errs, fmt.Errorf("stressPercentPoints must be 0 to 100, not %g", t.StressPercentPoints))
	}
	if t.FeePerMonth < 0 || t.Maintenance < 0 || (t.LivingCosts != nil && *t.LivingCosts < 0) {
		errs = append(errs, errors.New("fee, maintenance and living costs may not be negative"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("serviceability terms: %w", errors.Join(errs...))
	}
	return nil
}

// items adds a line for each value an item's pointer finds and returns
// their sum.
func (r *Result) items(doc any, group string, it Item) int {
	found := expand(doc, it.Pointer)
	sum := 0
	seen := false
	for _, m := range found {
		if m.v == nil {
			continue
		}
		n, ok := jsondoc.Number(m.v)
		if !ok {
			r.Missing = append(r.Missing, m.ptr+" (not a number)")
			continue
		}
		seen = true
		note := ""
		if it.Per == "year" {
			note = fmt.Sprintf("%s a year / 12", formatKroner(n))
			n /= 12
		}
		a := roundKroner(n)
		sum += a
		r.Lines = append(r.Lines, Line{Group: group, Key: it.Key, Source: m.ptr, Amount: a, Note: note})
	}
	if !seen && it.Required {
		r.Missing = append(r.Missing, it.Pointer)
	}
	return sum
}

func (r *Result) debts(doc any, d Debts) int {
	sum := 0
	for _, m := range expand(doc, d.At) {
		line := Line{Group: GroupDebt, Key: "debt", Source: m.ptr}
		if v, ok := field(m.v, d.Label); ok {
			if s, isStr := v.(string); isStr {
				line.Note = s
			}
		}
		if v, ok := field(m.v, d.MonthlyPayment); ok {
			if n, isNum := jsondoc.Number(v); isNum {
				line.Amount = roundKroner(n)
				sum += line.Amount
				r.Lines = append(r.Lines, line)
				continue
			}
		}
		balance, okB := number(m.v, d.Balance)
		rate, okR := number(m.v, d.RatePercent)
		years, okY := number(m.v, d.Years)
		if okB && okR && okY && years >= 1 && rate >= 0 {
			line.Amount = Payment(roundKroner(balance), rate, int(years))
			line.Note = joinNote(line.Note, fmt.Sprintf("annuity on %s at %g %% over %d years", formatKroner(balance), rate, int(years)))
		} else {
			r.Missing = append(r.Missing, m.ptr+" (monthly payment)")
			line.Note = joinNote(line.Note, "no monthly payment answered: counted as 0")
		}
		sum += line.Amount
		r.Lines = append(r.Lines, line)
	}
	return sum
}

func (r *Result) loan(doc any, src LoanSource, t Terms) Loan {
	var l Loan
	add := func(key, ptr string, sign int) (int, bool) {
		if ptr == "" {
			return 0, false
		}
		v, ok := jsondoc.Lookup(doc, jsondoc.Split(ptr))
		if !ok || v == nil {
			return 0, false
		}
		n, ok := jsondoc.Number(v)
		if !ok {
			r.Missing = append(r.Missing, ptr+" (not a number)")
			return 0, false
		}
		a := roundKroner(n)
		l.Lines = append(l.Lines, Line{Group: GroupLoan, Key: key, Source: ptr, Amount: sign * a})
		return sign * a, true
	}
	if a, ok := add("amount", src.Amount, 1); ok {
		l.Asked = max(a, 0)
	} else {
		price, okP := add("price", src.Price, 1)
		if !okP {
			r.Missing = append(r.Missing, missingLoanPointer(src))
		}
		total := price
		c, _ := add("costs", src.Costs, 1)
		total += c
		for _, p := range src.Equity {
			e, _ := add("equity", p, -1)
			total += e
		}
		for _, p := range src.OtherFinancing {
			o, _ := add("otherFinancing", p, -1)
			total += o
		}
		l.Asked = max(total, 0)
	}

	l.Monthly = Payment(l.Asked, t.RatePercent, t.Years) + t.FeePerMonth
	l.MaxLoan = Principal(r.Available-t.FeePerMonth, t.RatePercent, t.Years)
	test := l.Monthly
	if t.StressPercentPoints > 0 {
		l.StressRatePercent = t.RatePercent + t.StressPercentPoints
		l.StressMonthly = Payment(l.Asked, l.StressRatePercent, t.Years) + t.FeePerMonth
		l.StressMaxLoan = Principal(r.Available-t.FeePerMonth, l.StressRatePercent, t.Years)
		test = l.StressMonthly
	}
	l.Fits = l.Asked > 0 && r.Available >= test
	return l
}

func missingLoanPointer(src LoanSource) string {
	if src.Amount != "" {
		return src.Amount
	}
	return src.Price
}

func number(item any, rel string) (float64, bool) {
	v, ok := field(item, rel)
	if !ok {
		return 0, false
	}
	return jsondoc.Number(v)
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// formatKroner writes an amount as the note on a line shows it.
func formatKroner(x float64) string {
	if x == float64(int64(x)) {
		return fmt.Sprintf("%d", int64(x))
	}
	return fmt.Sprintf("%.2f", x)
}
