package nid

import (
	"strings"
	"time"

	"github.com/skjema/skjema/calendar"
)

// Reasons particular to fødselsnummer.
const (
	ReasonDate      = "date"      // the first six digits are no date of any allowed kind
	ReasonSynthetic = "synthetic" // a synthetic test number where those are not accepted
	ReasonHNummer   = "hnummer"   // an H-nummer where those are not accepted
)

// PersonOptions choose which numbers a form accepts. The zero value accepts
// ordinary fødselsnumre and D-numre, and refuses H-numre and synthetic
// numbers, which is right for a production installation.
type PersonOptions struct {
	// AllowSynthetic accepts synthetic test numbers: month +80 as
	// Skatteetaten's Test-Norge/Tenor issues them [Dolly-TN], and month +40
	// as NAV's Dolly does [NAV-fnrtest] (../shared/domain). Month +40 is
	// then read as synthetic, never as an H-nummer. Defaults to false; turn
	// it on for test installations only. (A "+65" rule was dropped: no
	// source describes it.)
	AllowSynthetic bool
	// AllowHNummer accepts H-numre (month +40) where synthetic numbers are
	// not allowed. Defaults to false: an H-nummer is a health service's
	// internal number, not one a citizen applies with.
	AllowHNummer bool
}

// Person is what a valid personal number tells.
type Person struct {
	DNummer   bool // first digit +4: issued to someone not (yet) registered as resident
	HNummer   bool // month +40: a help number, used inside health services
	Synthetic bool // month +80 (Tenor) or, where allowed, +40 (Dolly): a synthetic test number
	// Rule2032 is true when the first check digit is valid only under the rule
	// for numbers issued from 1 January 2032 (weighted-sum remainder 1, 2 or 3).
	Rule2032 bool
	// BirthDate is the date of birth as the table used before 2032 reads
	// it from the individual digits; zero for a number only the 2032 rule
	// allows. It is right only for a number issued before 2032: from then
	// on "Individnummeret vil ikke lenger angi århundre", also for people
	// born before 2032 [Skatt-2032]. AgeAt knows this; read the age there.
	BirthDate time.Time
	// Day, Month and YearInCentury are the date digits after the D/H/synthetic
	// offsets are taken away.
	Day, Month, YearInCentury int
}

var (
	fnrWeights1 = []int{3, 7, 6, 1, 8, 9, 4, 5, 2, 1} // the trailing 1 weighs check digit 1 itself
	fnrWeights2 = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
)

// UngroupFodselsnummer takes a fødselsnummer as people write it, the date
// and the personnummer apart ("120385 12356", "120385-12356",
// "120385.12356"), and answers its 11 bare digits; ok is false for
// anything else, which Fodselsnummer then reports.
func UngroupFodselsnummer(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 12 && strings.ContainsRune(" .-", rune(s[6])) && allDigits(s[:6]) && allDigits(s[7:]) {
		return s[:6] + s[7:], true
	}
	return s, allDigits(s)
}

// Fodselsnummer checks an 11-digit personal identification number: an
// ordinary fødselsnummer or a D-nummer, and, if opts allow, H-numre and
// synthetic test numbers.
//
// Check digit 1 is accepted when the weighted sum over the first ten digits
// leaves remainder 0 (the rule before 2032) or 1, 2 or 3 (the rule for
// numbers issued from 2032, Skatteetaten: "Nye fødselsnummer og d-nummer fra
// 2032"). Check digit 2 keeps its rule: remainder 0 over all eleven digits.
func Fodselsnummer(s string, opts PersonOptions) (Person, error) {
	const kind = "fodselsnummer"
	if !allDigits(s) {
		return Person{}, &Error{kind, ReasonDigits}
	}
	if len(s) != 11 {
		return Person{}, &Error{kind, ReasonLength}
	}
	var d [11]int
	digits(s, d[:])
	r1 := weightedSum(d[:], fnrWeights1) % 11
	if r1 > 3 || weightedSum(d[:], fnrWeights2)%11 != 0 {
		return Person{}, &Error{kind, ReasonChecksum}
	}
	p := Person{Rule2032: r1 != 0}
	day := d[0]*10 + d[1]
	month := d[2]*10 + d[3]
	p.YearInCentury = d[4]*10 + d[5]
	if day > 40 {
		p.DNummer = true
		day -= 40
	}
	switch {
	case month > 80:
		p.Synthetic = true
		month -= 80
	case month > 40 && month <= 52 && opts.AllowSynthetic:
		p.Synthetic = true // NAV/Dolly
		month -= 40
	case month > 40 && month <= 52:
		p.HNummer = true
		month -= 40
	}
	p.Day, p.Month = day, month
	if p.Synthetic && !opts.AllowSynthetic {
		return Person{}, &Error{kind, ReasonSynthetic}
	}
	if p.HNummer && !opts.AllowHNummer {
		return Person{}, &Error{kind, ReasonHNummer}
	}
	individual := d[6]*100 + d[7]*10 + d[8]
	if !p.Rule2032 {
		if year, ok := centuryYear(individual, p.YearInCentury); ok {
			if !validDate(year, month, day) {
				return Person{}, &Error{kind, ReasonDate}
			}
			p.BirthDate = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
			return p, nil
		}
	}
	// The 2032 rule gives no century, and neither does an individual number
	// outside the classic table: accept the date if it exists in either
	// century a living person can have been born in.
	if !validDate(1900+p.YearInCentury, month, day) && !validDate(2000+p.YearInCentury, month, day) {
		return Person{}, &Error{kind, ReasonDate}
	}
	return p, nil
}

// centuryYear reads the full year from the individual number, by the table
// Skatteetaten has used since 1964 (and the 900-series reserve for 1940–1999).
func centuryYear(individual, yy int) (int, bool) {
	switch {
	case individual <= 499:
		return 1900 + yy, true
	case individual >= 900 && yy >= 40:
		return 1900 + yy, true
	case individual >= 500 && yy <= 39:
		return 2000 + yy, true
	case individual >= 500 && individual <= 749 && yy >= 54:
		return 1800 + yy, true
	}
	return 0, false
}

func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return t.Day() == day && int(t.Month()) == month
}

// new2032 is when numbers begin to be issued under the 2032 rules
// [Skatt-2032]: a number seen from then on may be one of them, whatever its
// check digits, and tells no century.
var new2032 = time.Date(2032, time.January, 1, 0, 0, 0, 0, calendar.Oslo)

// AgeAt is the age in whole years on the Norwegian calendar day of the
// given instant, and false when the number does not tell it: a number only
// the 2032 rule allows, or any number on or after new2032, which may have
// been issued under it (a person born 10.05.1935 given 10053599902 after
// 2032 would read as born in 2035). The age must then come from the
// citizen's answer or the population register. A birthday begins at
// midnight in Oslo, wherever the server runs.
func (p Person) AgeAt(day time.Time) (int, bool) {
	if p.BirthDate.IsZero() || !day.Before(new2032) {
		return 0, false
	}
	y, m, d := day.In(calendar.Oslo).Date()
	age := y - p.BirthDate.Year()
	if m < p.BirthDate.Month() || (m == p.BirthDate.Month() && d < p.BirthDate.Day()) {
		age--
	}
	return age, true
}
