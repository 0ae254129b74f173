package serviceability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/skjema/skjema/forms/jsondoc"
)

// Config is what a form's rules.json holds under "serviceability": where in
// an application each figure is. Pointers are JSON pointers (RFC 6901) into
// the application document; a "*" part stands for every item of a repeating
// group, so "/coApplicants/*/income/netMonthly" sums over co-applicants.
// Fields of a group item (PersonSource, Debts) are pointers relative to the
// item, written without the leading "/": "birthDate", "income/net".
//
// Amounts are read as numbers; an answer that is not there counts as 0 and,
// when the item is Required, is listed in Result.Missing for the caseworker.
//
//	{
//	  "budgetFile": "livsopphold-2024.json",
//	  "persons": [
//	    {"at": "/applicant", "fodselsnummer": "fodselsnummer"},
//	    {"at": "/household/*", "birthDate": "birthDate", "sex": "sex"}
//	  ],
//	  "sexValues": {"female": ["female"], "male": ["male"]},
//	  "incomes": [{"key": "wage", "pointer": "/applicant/netMonthlyWage", "required": true}],
//	  "fixedCosts": [{"key": "childcare", "pointer": "/expenses/childcare"}],
//	  "debts": {"at": "/debts/*", "label": "creditor", "balance": "balance",
//	            "ratePercent": "rate", "monthlyPayment": "instalment", "years": "remainingYears"},
//	  "housingCosts": [{"key": "municipalFees", "pointer": "/property/municipalFees", "per": "year"}],
//	  "loan": {"amount": "/loan/amount", "price": "/property/price", "costs": "/property/costs",
//	           "equity": ["/finance/equity"], "otherFinancing": ["/bank/offeredAmount"]}
//	}
type Config struct {
	// BudgetFile is the Budget's file name, relative to the form's
	// directory (LoadBudget); it may not leave that directory.
	BudgetFile string `json:"budgetFile"`
	// Persons are everyone living in the home, each counted once: the
	// reference budget and the minimum are per person. List the applicant
	// and co-applicants here only if the household group does not hold
	// them already.
	Persons []PersonSource `json:"persons"`
	// SexValues maps the answers of PersonSource.Sex to female and male.
	// Without it, or for a value it does not list, the sex is read from a
	// fødselsnummer issued before 2032 where there is one, and otherwise
	// the higher of the two amounts is used.
	SexValues *SexValues `json:"sexValues,omitempty"`
	// Incomes are the household's incomes after tax: wages (net, as the
	// form asks for them), benefits, child benefit, support received,
	// housing allowance. The sources give no tax estimate a form could
	// apply to gross income, so none is made.
	Incomes []Item `json:"incomes"`
	// FixedCosts are other fixed costs: kindergarten, after-school care,
	// support paid, and the like [HB-betjeningsevne].
	FixedCosts []Item `json:"fixedCosts,omitempty"`
	// Debts is the repeating group of other debts, each serviced on its
	// own line [HB-betjeningsevne].
	Debts *Debts `json:"debts,omitempty"`
	// HousingCosts are the costs of the home the loan is for, other than
	// the loan itself: common costs (felleskostnader), the share of common
	// debt's costs, municipal fees, property tax, ground rent.
	HousingCosts []Item `json:"housingCosts,omitempty"`
	// Loan says how much is asked for.
	Loan LoanSource `json:"loan"`
}

// PersonSource finds members of the household. At is a pointer (template)
// to a person object; the other fields are relative to it. The age is read
// from Age, else from BirthDate (YYYY-MM-DD), else from Fodselsnummer.
type PersonSource struct {
	At            string `json:"at"`
	Age           string `json:"age,omitempty"`
	BirthDate     string `json:"birthDate,omitempty"`
	Fodselsnummer string `json:"fodselsnummer,omitempty"`
	Sex           string `json:"sex,omitempty"`
}

// SexValues lists the answer values that mean female and male.
type SexValues struct {
	Female []string `json:"female"`
	Male   []string `json:"male"`
}

// Item is one amount in the application, or a sum over a repeating group.
type Item struct {
	// Key names the line; the form's texts give it words
	// (serviceability.<group>.<key>).
	Key     string `json:"key"`
	Pointer string `json:"pointer"`
	// Per is "month" (the default) or "year": a yearly amount is divided by
	// 12 and rounded to the krone.
	Per string `json:"per,omitempty"`
	// Required lists the pointer in Result.Missing when nothing is there.
	Required bool `json:"required,omitempty"`
}

// Debts finds the household's other debts: At is the group's item template,
// the rest relative fields. A debt's monthly cost is its MonthlyPayment
// answer; without one, the annuity on Balance at RatePercent over Years,
// when those are answered; otherwise 0, and the debt is listed in
// Result.Missing.
type Debts struct {
	At             string `json:"at"`
	Label          string `json:"label,omitempty"`
	Balance        string `json:"balance,omitempty"`
	RatePercent    string `json:"ratePercent,omitempty"`
	MonthlyPayment string `json:"monthlyPayment,omitempty"`
	Years          string `json:"years,omitempty"`
}

// LoanSource says how much is asked for: Amount when answered; otherwise
// Price + Costs − Equity − OtherFinancing (never below 0).
type LoanSource struct {
	Amount         string   `json:"amount,omitempty"`
	Price          string   `json:"price,omitempty"`
	Costs          string   `json:"costs,omitempty"`
	Equity         []string `json:"equity,omitempty"`
	OtherFinancing []string `json:"otherFinancing,omitempty"`
}

// ParseConfig reads and checks a form's "serviceability" configuration.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("serviceability config: %w", err)
	}
	if err := c.Check(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Check reports the first mistake in the configuration.
func (c *Config) Check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	abs := func(where, p string) {
		if p != "" && !strings.HasPrefix(p, "/") {
			bad("%s: pointer %q must start with /", where, p)
		}
	}
	rel := func(where, p string) {
		if strings.HasPrefix(p, "/") {
			bad("%s: field %q is relative to the group item and must not start with /", where, p)
		}
	}
	if c.BudgetFile == "" {
		bad("budgetFile is required")
	}
	if len(c.Persons) == 0 {
		bad("persons: at least one source of household members is required")
	}
	for i, p := range c.Persons {
		where := fmt.Sprintf("persons[%d]", i)
		if p.At == "" {
			bad("%s: at is required", where)
		}
		abs(where, p.At)
		for _, f := range []string{p.Age, p.BirthDate, p.Fodselsnummer, p.Sex} {
			rel(where, f)
		}
	}
	items := func(group string, list []Item) {
		for i, it := range list {
			where := fmt.Sprintf("%s[%d]", group, i)
			if it.Key == "" || it.Pointer == "" {
				bad("%s: key and pointer are required", where)
			}
			abs(where, it.Pointer)
			if it.Per != "" && it.Per != "month" && it.Per != "year" {
				bad("%s: per must be month or year, not %q", where, it.Per)
			}
		}
	}
	items("incomes", c.Incomes)
	items("fixedCosts", c.FixedCosts)
	items("housingCosts", c.HousingCosts)
	if d := c.Debts; d != nil {
		if d.At == "" {
			bad("debts: at is required")
		}
		abs("debts", d.At)
		for _, f := range []string{d.Label, d.Balance, d.RatePercent, d.MonthlyPayment, d.Years} {
			rel("debts", f)
		}
		if d.MonthlyPayment == "" && (d.Balance == "" || d.RatePercent == "" || d.Years == "") {
			bad("debts: monthlyPayment, or balance, ratePercent and years, are required")
		}
	}
	l := c.Loan
	if l.Amount == "" && l.Price == "" {
		bad("loan: amount or price is required")
	}
	for _, p := range append(append([]string{l.Amount, l.Price, l.Costs}, l.Equity...), l.OtherFinancing...) {
		abs("loan", p)
	}
	if len(errs) > 0 {
		return fmt.Errorf("serviceability config: %w", errors.Join(errs...))
	}
	return nil
}

// match is one value a pointer template found, with its concrete pointer.
type match struct {
	ptr string
	v   any
}

// expand finds every value a pointer template names: "*" parts run over
// every item of an array. A template without "*" finds at most one value.
func expand(doc any, tmpl string) []match {
	var out []match
	var walk func(cur any, parts, done []string)
	walk = func(cur any, parts, done []string) {
		if len(parts) == 0 {
			out = append(out, match{jsondoc.Join(done), cur})
			return
		}
		if parts[0] == "*" {
			arr, ok := cur.([]any)
			if !ok {
				return
			}
			for i, v := range arr {
				walk(v, parts[1:], append(done[:len(done):len(done)], strconv.Itoa(i)))
			}
			return
		}
		v, ok := jsondoc.Lookup(cur, parts[:1])
		if !ok {
			return
		}
		walk(v, parts[1:], append(done[:len(done):len(done)], parts[0]))
	}
	walk(doc, jsondoc.Split(tmpl), nil)
	return out
}

// field reads a relative field of a group item.
func field(item any, rel string) (any, bool) {
	if rel == "" {
		return nil, false
	}
	v, ok := jsondoc.Lookup(item, jsondoc.Split("/"+rel))
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}
