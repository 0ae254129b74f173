// Package nidtest makes valid Norwegian identifiers for tests and load
// runs: many distinct applicants, where one would make every application
// after the first a duplicate.
package nidtest

import (
	"bytes"
	"fmt"
	"time"
)

var (
	weights1 = []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	weights2 = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

// Fodselsnummer is the i-th of a sequence of valid ordinary fødselsnumre
// (the rule before 2032) of adults born from 1950 on. The first 18,000 are
// distinct (one birth date each), and so are numbers further apart than that
// in most cases, but not all: a load of more than 18,000 applicants may see
// a few duplicates.
func Fodselsnummer(i int) string {
	born := time.Date(1950, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%18000)
	for individual := 100 + i/18000%300; ; individual += 300 {
		base := fmt.Sprintf("%s%03d", born.Format("020106"), individual%500)
		if fnr, ok := withCheckDigits(base); ok {
			return fnr
		}
	}
}

// Synthetic is the i-th of a sequence of valid synthetic fødselsnumre as
// Skatteetaten's Tenor test register and ID-porten's TestID hand them out:
// the month plus 80 (so 12 March 1985 is 12 83 85), adults born from 1950
// on. Accepted only where synthetic numbers are allowed (test
// installations).
func Synthetic(i int) string {
	born := time.Date(1950, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%18000)
	for individual := 100 + i/18000%300; ; individual += 300 {
		base := fmt.Sprintf("%02d%02d%s%03d", born.Day(), int(born.Month())+80, born.Format("06"), individual%500)
		if fnr, ok := withCheckDigits(base); ok {
			return fnr
		}
	}
}

// withCheckDigits adds the two mod-11 check digits to nine digits, or
// answers false where a check digit would be 10 (no such number).
func withCheckDigits(base string) (string, bool) {
	d := make([]int, 0, 10)
	for _, c := range base {
		d = append(d, int(c-'0'))
	}
	k1 := check(d, weights1)
	if k1 == 10 {
		return "", false
	}
	k2 := check(append(d, k1), weights2)
	if k2 == 10 {
		return "", false
	}
	return fmt.Sprintf("%s%d%d", base, k1, k2), true
}

func check(d, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += d[i] * w
	}
	return (11 - sum%11) % 11
}

// ExampleApplicant is the applicant's fødselsnummer in
// the bostøtte example application (examples/).
const ExampleApplicant = "12038512356"

// WithApplicant is an application document (the example's, as bytes) with
// its applicant's fødselsnummer replaced by Fodselsnummer(i).
func WithApplicant(doc []byte, i int) []byte {
	return bytes.Replace(doc, []byte(`"`+ExampleApplicant+`"`), []byte(`"`+Fodselsnummer(i)+`"`), 1)
}
