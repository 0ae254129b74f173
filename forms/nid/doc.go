// Package nid checks Norwegian identifiers: fødselsnummer (with D-, H- and
// synthetic numbers and the rules for numbers issued from 2032),
// kontonummer, organisasjonsnummer, kommunenummer and postnummer.
//
// Every check is pure: no I/O, no clock of its own, no globals. A failed check
// returns an *Error whose Code (for example "fodselsnummer.checksum") is what
// the forms package turns into a message in the citizen's language. Registers
// of kommuner and postnumre are data an operator imports (see Registers); this
// package only reads them.
package nid

// Error says which identifier failed and why. Kind and Reason together form a
// stable message code; the text is never shown to a citizen.
type Error struct {
	Kind   string // "fodselsnummer", "kontonummer", ...
	Reason string // "length", "digits", "checksum", "date", ...
}

func (e *Error) Error() string { return e.Kind + "." + e.Reason }

// Code is the stable message code, e.g. "fodselsnummer.checksum".
func (e *Error) Code() string { return e.Kind + "." + e.Reason }

// Reasons shared by several identifiers.
const (
	ReasonLength   = "length"   // wrong number of digits
	ReasonDigits   = "digits"   // something other than digits (and allowed separators)
	ReasonChecksum = "checksum" // a mod 11 check digit does not match
	ReasonRegister = "register" // a kontonummer of no bank (registernummer 0000)
)

// digits returns the decimal value of each byte of s, or false if s holds
// anything but ASCII digits.
func digits(s string, out []int) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		out[i] = int(c - '0')
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// weightedSum is Σ weights[i]·d[i] over the weights given.
func weightedSum(d []int, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += w * d[i]
	}
	return sum
}

// mod11CheckDigit is the classic mod 11 check digit over d with the weights
// given; ok is false when the remainder is 1 (check digit "10"), which makes
// the number unusable.
func mod11CheckDigit(d []int, weights []int) (digit int, ok bool) {
	r := weightedSum(d, weights) % 11
	switch r {
	case 0:
		return 0, true
	case 1:
		return 0, false
	default:
		return 11 - r, true
	}
}
