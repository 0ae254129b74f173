package serviceability

import "fmt"

// Living is how the living-cost amount was found: both tables' lines, and
// which figure was used.
type Living struct {
	// Reference lists the reference budget's lines (nil without one).
	Reference      []Line `json:"reference,omitempty"`
	ReferenceTotal int    `json:"referenceTotal"`
	// Minimum lists the guideline rates' lines: the floor.
	Minimum      []Line `json:"minimum"`
	MinimumTotal int    `json:"minimumTotal"`
	// Caseworker is her own figure from the household's actual spending,
	// when she gave one (Terms.LivingCosts).
	Caseworker *int `json:"caseworker,omitempty"`
	// Used is the amount the computation subtracts; Basis says which it
	// is: "reference", "caseworker" or "minimum" (when the others are
	// lower, or absent).
	Used  int    `json:"used"`
	Basis string `json:"basis"`
}

// Line sources for budget figures.
const (
	sourceReference = "budget.reference"
	sourceMinimum   = "budget.minimum"
	sourceTerms     = "terms"
)

func referenceLines(r *Reference, persons []Person) ([]Line, int) {
	var lines []Line
	individual := 0
	for _, p := range persons {
		s := sexUnknown
		switch p.Sex {
		case female.String():
			s = female
		case male.String():
			s = male
		}
		var amount int
		note := fmt.Sprintf("age %d, %s", p.Age, p.Sex)
		if p.AgeKnown {
			amount, _ = r.individual(p.Age, s)
		} else {
			// Age unknown: the costliest band, so a missing answer never
			// lowers the living costs.
			for _, b := range r.Individual {
				a, _ := r.individual(b.FromAge, s)
				amount = max(amount, a)
			}
			note = "age unknown: highest band, " + p.Sex
		}
		individual += amount
		lines = append(lines, Line{Group: GroupLiving, Key: "reference.individual", Source: p.Source, Amount: amount, Note: note})
	}
	total := individual
	if pct := r.scalePercent(len(persons)); pct > 0 {
		cut := roundKroner(float64(individual) * pct / 100)
		total -= cut
		lines = append(lines, Line{Group: GroupLiving, Key: "reference.scale", Source: sourceReference, Amount: -cut,
			Note: fmt.Sprintf("%g %% of individual costs for %d persons", pct, len(persons))})
	}
	h := r.household(len(persons))
	total += h
	lines = append(lines, Line{Group: GroupLiving, Key: "reference.household", Source: sourceReference, Amount: h,
		Note: fmt.Sprintf("%d persons", len(persons))})
	return lines, total
}

// minimumLines applies the guideline rates. They name a single adult, a
// couple, a person sharing a home, and children by age; for a third adult
// and more (an adult child at home, two families sharing) they say nothing
// that was found, so each adult beyond the first two is counted at the rate
// for a person sharing a home. An adult living only with children is
// "enslig".
func minimumLines(m *Minimum, persons []Person) ([]Line, int) {
	var lines []Line
	total := 0
	adults := 0
	for _, p := range persons {
		if p.AgeKnown && p.Age < m.AdultAge {
			a := m.child(p.Age)
			total += a
			lines = append(lines, Line{Group: GroupLiving, Key: "minimum.child", Source: p.Source, Amount: a, Note: fmt.Sprintf("age %d", p.Age)})
			continue
		}
		adults++
	}
	switch {
	case adults == 1:
		total += m.Single
		lines = append(lines, Line{Group: GroupLiving, Key: "minimum.single", Source: sourceMinimum, Amount: m.Single})
	case adults >= 2:
		total += m.Couple
		lines = append(lines, Line{Group: GroupLiving, Key: "minimum.couple", Source: sourceMinimum, Amount: m.Couple})
		if extra := adults - 2; extra > 0 {
			a := extra * m.SharedHousing
			total += a
			lines = append(lines, Line{Group: GroupLiving, Key: "minimum.sharedHousing", Source: sourceMinimum, Amount: a,
				Note: fmt.Sprintf("%d adults beyond two", extra)})
		}
	}
	return lines, total
}

func living(b Budget, persons []Person, caseworker *int) Living {
	var l Living
	l.Minimum, l.MinimumTotal = minimumLines(&b.Minimum, persons)
	if b.Reference != nil {
		l.Reference, l.ReferenceTotal = referenceLines(b.Reference, persons)
	}
	l.Used, l.Basis = l.MinimumTotal, "minimum"
	switch {
	case caseworker != nil:
		v := *caseworker
		l.Caseworker = &v
		if v > l.Used {
			l.Used, l.Basis = v, "caseworker"
		}
	case b.Reference != nil && l.ReferenceTotal > l.Used:
		l.Used, l.Basis = l.ReferenceTotal, "reference"
	}
	return l
}
