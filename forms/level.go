package forms

import "fmt"

// Level is a level of assurance of a sign-in, as ID-porten's acr names it.
// A form's layout says the level its applicant must sign in at
// (Layout.SignIn): bostøtte's e-søknad takes MinID, substantial
// [V-2.1]; startlån needs BankID, Buypass or Commfides, high (Husbanken's
// page on startlån for verger, in ../shared/domain).
type Level string

const (
	Substantial Level = "idporten-loa-substantial" // MinID, and the e-IDs of High
	High        Level = "idporten-loa-high"        // BankID, Buypass, Commfides
)

// rank orders the levels; any other value ranks below both.
func (l Level) rank() int {
	switch l {
	case Substantial:
		return 1
	case High:
		return 2
	}
	return 0
}

// AtLeast tells whether l is a level, and min or higher.
func (l Level) AtLeast(min Level) bool { return l.rank() > 0 && l.rank() >= min.rank() }

// ParseLevel reads a level; "" is none.
func ParseLevel(s string) (Level, error) {
	l := Level(s)
	if s != "" && l.rank() == 0 {
		return "", fmt.Errorf("unknown level of assurance %q (want %s or %s)", s, Substantial, High)
	}
	return l, nil
}
