package serviceability

import (
	"slices"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
)

type sex int

const (
	sexUnknown sex = iota
	female
	male
)

func (s sex) String() string {
	switch s {
	case female:
		return "female"
	case male:
		return "male"
	}
	return "unknown"
}

// Person is one member of the household as the computation saw her.
type Person struct {
	// Source is the pointer of the person's object in the application.
	Source string `json:"source"`
	// Age in whole years on Terms.On; AgeKnown false when no answer told it
	// (she is then counted as an adult, the costlier reading).
	Age      int  `json:"age"`
	AgeKnown bool `json:"ageKnown"`
	// Sex is "female", "male" or "unknown" (then the higher amount is used).
	Sex string `json:"sex"`
}

// readPersons finds the household's members and what the budget needs to
// know of each; missing collects what could not be read.
func readPersons(doc any, cfg Config, on time.Time, missing *[]string) []Person {
	var out []Person
	for _, src := range cfg.Persons {
		for _, m := range expand(doc, src.At) {
			p := Person{Source: m.ptr, Sex: sexUnknown.String()}
			age, s, ok := personFacts(m.v, src, cfg.SexValues, on)
			p.Age, p.AgeKnown, p.Sex = age, ok, s.String()
			if !ok {
				*missing = append(*missing, m.ptr+" (age)")
			}
			out = append(out, p)
		}
	}
	return out
}

func personFacts(item any, src PersonSource, values *SexValues, on time.Time) (age int, s sex, ok bool) {
	s = sexFromAnswer(item, src.Sex, values)
	if v, found := field(item, src.Age); found {
		if n, isNum := jsondoc.Number(v); isNum && n >= 0 {
			age, ok = int(n), true
		}
	}
	if !ok && !on.IsZero() {
		if v, found := field(item, src.BirthDate); found {
			if str, isStr := v.(string); isStr {
				if born, err := time.Parse(time.DateOnly, str); err == nil && !born.After(on) {
					age, ok = ageOn(born, on), true
				}
			}
		}
	}
	if v, found := field(item, src.Fodselsnummer); found && !on.IsZero() && (!ok || s == sexUnknown) {
		if str, isStr := v.(string); isStr {
			// Synthetic test numbers are read too: whether the number
			// is acceptable is the form's validation's business, not
			// this computation's.
			if p, err := nid.Fodselsnummer(str, nid.PersonOptions{AllowSynthetic: true}); err == nil {
				if a, known := p.AgeAt(on); known {
					if !ok {
						age, ok = a, true
					}
					// The ninth digit's parity gives the sex of numbers
					// issued before 2032 only ("kjønn vil ikke lenger
					// fremgå" [Skatt-2032]); AgeAt being known is the
					// same test.
					if s == sexUnknown {
						if (str[8]-'0')%2 == 0 {
							s = female
						} else {
							s = male
						}
					}
				}
			}
		}
	}
	return age, s, ok
}

func sexFromAnswer(item any, rel string, values *SexValues) sex {
	v, found := field(item, rel)
	if !found || values == nil {
		return sexUnknown
	}
	str, isStr := v.(string)
	switch {
	case !isStr:
		return sexUnknown
	case slices.Contains(values.Female, str):
		return female
	case slices.Contains(values.Male, str):
		return male
	}
	return sexUnknown
}

// ageOn is the age in whole years on the Norwegian calendar day of on.
func ageOn(born, on time.Time) int {
	y, m, d := on.In(calendar.Oslo).Date()
	age := y - born.Year()
	if m < born.Month() || (m == born.Month() && d < born.Day()) {
		age--
	}
	return age
}
