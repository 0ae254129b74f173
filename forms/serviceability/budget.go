package serviceability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
)

// Budget is the data living costs are read from: a reference budget (SIFO's
// referansebudsjett or a kommune's adaptation of it) and the floor under it,
// the state's guideline rates for social assistance. A form's definition
// holds it as a JSON file (Config.BudgetFile); a new year's figures are a
// new file, not a code change.
type Budget struct {
	// Year the figures are for.
	Year int `json:"year"`
	// Reference is the reference budget. Optional: without it the minimum
	// is the living-cost amount, unless the caseworker gives her own.
	Reference *Reference `json:"reference,omitempty"`
	// Minimum is the floor: "Beløp til livsopphold må minimum utgjøre
	// veiledende sats for økonomisk sosialhjelp" [HB-betjeningsevne].
	Minimum Minimum `json:"minimum"`
}

// Provenance says where a table's figures come from; the case page shows it
// beside them.
type Provenance struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Official is true only when every figure is copied from the source
	// named; false marks figures that are placeholders or estimates, which
	// the caseworker is told.
	Official bool   `json:"official"`
	Note     string `json:"note,omitempty"`
}

// Reference is a reference budget in SIFO's shape [SIFO][HB-sifo]:
// individual costs per person by age and sex (food, clothes, personal care,
// play and media) and household costs by the number of members (other
// consumables, household articles, furniture, media and leisure). Housing
// and electricity are not in it.
type Reference struct {
	Provenance
	Individual []IndividualBand `json:"individual"`
	Household  []HouseholdSize  `json:"household"`
	// Scale reduces the sum of individual costs in larger households
	// ("stordriftsfordeler … justert med 12 prosent" [HB-sifo]); the step
	// with the highest FromMembers not above the household's size applies.
	Scale []ScaleStep `json:"scale,omitempty"`
}

// IndividualBand is the monthly individual cost of one person whose age in
// whole years is within [FromAge, ToAge]; ToAge nil means no upper bound.
type IndividualBand struct {
	FromAge int  `json:"fromAge"`
	ToAge   *int `json:"toAge,omitempty"`
	Female  int  `json:"female"`
	Male    int  `json:"male"`
}

// HouseholdSize is the monthly household cost for Members persons. A
// household larger than the largest size listed uses that size's amount.
type HouseholdSize struct {
	Members int `json:"members"`
	Amount  int `json:"amount"`
}

// ScaleStep reduces individual costs by Percent from FromMembers persons.
type ScaleStep struct {
	FromMembers int     `json:"fromMembers"`
	Percent     float64 `json:"percent"`
}

// Minimum is a table of guideline rates for social assistance per month
// ("statlige veiledende retningslinjer for økonomisk stønad") [A-3/2023].
type Minimum struct {
	Provenance
	// AdultAge is the age from which a person counts as an adult. Defaults
	// to 18 (the rates' child bands end at 17).
	AdultAge int `json:"adultAge,omitempty"`
	// Single is the rate for one adult living alone ("enslige").
	Single int `json:"single"`
	// Couple is the rate for two adults together ("ektepar/samboere").
	Couple int `json:"couple"`
	// SharedHousing is the rate per person sharing a home
	// ("person i bofellesskap"), used here for each adult beyond two.
	SharedHousing int `json:"sharedHousing"`
	// Children are the rates per child by age band.
	Children []AgeAmount `json:"children"`
}

// AgeAmount is an amount for ages within [FromAge, ToAge].
type AgeAmount struct {
	FromAge int `json:"fromAge"`
	ToAge   int `json:"toAge"`
	Amount  int `json:"amount"`
}

// ParseBudget reads and checks a budget file.
func ParseBudget(data []byte) (Budget, error) {
	var b Budget
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Budget{}, fmt.Errorf("budget: %w", err)
	}
	if err := b.check(); err != nil {
		return Budget{}, fmt.Errorf("budget: %w", err)
	}
	return b, nil
}

// LoadBudget reads the budget file a form's configuration names, relative to
// the form's directory dir in fsys (the definitions' file system), so that
// each form, and each installation overriding a form, carries its own copy.
func LoadBudget(fsys fs.FS, dir string, cfg Config) (Budget, error) {
	if cfg.BudgetFile == "" {
		return Budget{}, errors.New("budget: the configuration names no budgetFile")
	}
	name := path.Join(dir, cfg.BudgetFile)
	// path.Join cleans "..": a file outside the form's directory is refused.
	if !fs.ValidPath(name) || (dir != "." && dir != "" && !isUnder(name, path.Clean(dir))) {
		return Budget{}, fmt.Errorf("budget: %q is not inside the form's directory", cfg.BudgetFile)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Budget{}, fmt.Errorf("budget: %w", err)
	}
	return ParseBudget(data)
}

func isUnder(name, dir string) bool {
	return len(name) > len(dir) && name[:len(dir)] == dir && name[len(dir)] == '/'
}

func (b *Budget) check() error {
	if b.Year < 2000 {
		return fmt.Errorf("year %d is missing or implausible", b.Year)
	}
	if err := b.Minimum.check(); err != nil {
		return fmt.Errorf("minimum: %w", err)
	}
	if b.Reference != nil {
		if err := b.Reference.check(); err != nil {
			return fmt.Errorf("reference: %w", err)
		}
	}
	return nil
}

func (p Provenance) check() error {
	if p.Name == "" || p.Source == "" {
		return errors.New("name and source are required: every figure says where it comes from")
	}
	return nil
}

func (m *Minimum) check() error {
	if err := m.Provenance.check(); err != nil {
		return err
	}
	if m.AdultAge == 0 {
		m.AdultAge = 18
	}
	if m.Single <= 0 || m.Couple <= 0 || m.SharedHousing <= 0 {
		return errors.New("single, couple and sharedHousing must be positive")
	}
	next := 0
	for _, c := range m.Children {
		if c.FromAge != next || c.ToAge < c.FromAge || c.Amount <= 0 {
			return fmt.Errorf("child bands must run from age 0 without gaps, each with a positive amount (at age %d)", next)
		}
		next = c.ToAge + 1
	}
	if next != m.AdultAge {
		return fmt.Errorf("child bands end at age %d, not at adultAge-1 (%d)", next-1, m.AdultAge-1)
	}
	return nil
}

func (r *Reference) check() error {
	if err := r.Provenance.check(); err != nil {
		return err
	}
	next := 0
	for i, band := range r.Individual {
		if band.FromAge != next || band.Female <= 0 || band.Male <= 0 {
			return fmt.Errorf("individual bands must run from age 0 without gaps, each with positive amounts (at age %d)", next)
		}
		if band.ToAge == nil {
			if i != len(r.Individual)-1 {
				return errors.New("only the last individual band may be open-ended")
			}
			next = -1
			break
		}
		if *band.ToAge < band.FromAge {
			return fmt.Errorf("individual band from age %d ends before it starts", band.FromAge)
		}
		next = *band.ToAge + 1
	}
	if next != -1 {
		return errors.New("the last individual band must be open-ended (no toAge)")
	}
	for i, h := range r.Household {
		if h.Members != i+1 || h.Amount <= 0 {
			return fmt.Errorf("household sizes must run 1, 2, 3, … with positive amounts (at %d)", i+1)
		}
	}
	if len(r.Household) == 0 {
		return errors.New("household costs are required")
	}
	for i, s := range r.Scale {
		if s.FromMembers < 2 || s.Percent <= 0 || s.Percent >= 100 || (i > 0 && s.FromMembers <= r.Scale[i-1].FromMembers) {
			return errors.New("scale steps must rise in fromMembers (2 or more) with a percent between 0 and 100")
		}
	}
	return nil
}

// individual is the band amount for a person; with the sex unknown the
// higher of the two, so that a missing answer never lowers the living costs.
func (r *Reference) individual(age int, s sex) (int, bool) {
	for _, band := range r.Individual {
		if age >= band.FromAge && (band.ToAge == nil || age <= *band.ToAge) {
			switch s {
			case female:
				return band.Female, true
			case male:
				return band.Male, true
			}
			return max(band.Female, band.Male), true
		}
	}
	return 0, false
}

func (r *Reference) household(members int) int {
	if members <= 0 {
		return 0
	}
	return r.Household[min(members, len(r.Household))-1].Amount
}

func (r *Reference) scalePercent(members int) float64 {
	p := 0.0
	for _, s := range r.Scale {
		if members >= s.FromMembers {
			p = s.Percent
		}
	}
	return p
}

func (m *Minimum) child(age int) int {
	for _, c := range m.Children {
		if age >= c.FromAge && age <= c.ToAge {
			return c.Amount
		}
	}
	return 0
}
