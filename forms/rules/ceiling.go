package rules

import (
	"fmt"
	"slices"

	"github.com/skjema/skjema/forms/jsondoc"
)

// CostCeiling is rules.json's "ceiling": the upper limit on the housing
// costs Husbanken counts (øvre grense for boutgifter, forskrift om
// bustøtte § 3, Husbanken [V-tak]). Costs above it are capped by Husbanken:
// it is information for the caseworker, never a reason for review.
type CostCeiling struct {
	// Source names where the figures come from, and when.
	Source string `json:"source"`
	// PerMonth is the ceiling by household size: one person, two, …; the
	// last holds for larger households.
	PerMonth []float64 `json:"perMonth"`
	// Household is the pointer of the list of the others in the household
	// (its length plus one is the household's size).
	Household string `json:"household"`
	// Monthly and Yearly are the pointers of the costs counted, per month
	// and per year.
	Monthly []string `json:"monthly"`
	Yearly  []string `json:"yearly"`
	// Supplements per month by kommune group, and the kommunenumre of each
	// group; a kommune in no group has none.
	Supplements   map[string]float64 `json:"supplements"`
	KommuneGroups map[string]string  `json:"kommuneGroups"`
	// Adapted is the pointer of the answer that the home is adapted for a
	// disability (spesialtilpasset), and AdaptedSupplement what that adds
	// per month.
	Adapted           string  `json:"adapted"`
	AdaptedSupplement float64 `json:"adaptedSupplement"`
}

// Ceiling is the ceiling applied to one application.
type Ceiling struct {
	Costs     float64 // the monthly costs counted
	Limit     float64 // the ceiling for the household, kommune and home
	Household int     // persons
	Group     string  // the kommune's group, "" for none
	Adapted   bool
}

// Above tells whether the costs are over the ceiling: Husbanken then
// counts the ceiling.
func (c Ceiling) Above() bool { return c.Costs > c.Limit }

// For is the ceiling for a prepared document in a kommune, and false when
// there is none.
func (cc *CostCeiling) For(doc map[string]any, kommune string) (Ceiling, bool) {
	if cc == nil || len(cc.PerMonth) == 0 {
		return Ceiling{}, false
	}
	var out Ceiling
	others, _ := jsondoc.Lookup(doc, jsondoc.Split(cc.Household))
	list, _ := others.([]any)
	out.Household = len(list) + 1
	out.Limit = cc.PerMonth[min(out.Household, len(cc.PerMonth))-1]
	out.Group = cc.KommuneGroups[kommune]
	out.Limit += cc.Supplements[out.Group]
	if v, _ := jsondoc.Lookup(doc, jsondoc.Split(cc.Adapted)); v == true {
		out.Adapted = true
		out.Limit += cc.AdaptedSupplement
	}
	sum := func(pointers []string, divide float64) {
		for _, p := range pointers {
			v, _ := jsondoc.Lookup(doc, jsondoc.Split(p))
			if n, ok := jsondoc.Number(v); ok {
				out.Costs += n / divide
			}
		}
	}
	sum(cc.Monthly, 1)
	sum(cc.Yearly, 12)
	return out, true
}

// Check reports what is wrong with the ceiling's data; described tells
// whether the form's schema has a pointer.
func (cc *CostCeiling) Check(described func(pointer string) bool) []error {
	if cc == nil {
		return nil
	}
	var problems []error
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("rules: ceiling: "+format, args...))
	}
	if cc.Source == "" {
		add("names no source")
	}
	if len(cc.PerMonth) == 0 || slices.ContainsFunc(cc.PerMonth, func(v float64) bool { return v <= 0 }) {
		add("perMonth needs a positive ceiling for each household size")
	}
	for _, p := range append(append([]string{cc.Household, cc.Adapted}, cc.Monthly...), cc.Yearly...) {
		if p != "" && !described(p) {
			add("reads %s, which the schema does not describe", p)
		}
	}
	for k, g := range cc.KommuneGroups {
		if _, ok := cc.Supplements[g]; !ok {
			add("kommune %s is in group %q, which has no supplement", k, g)
		}
	}
	return problems
}
