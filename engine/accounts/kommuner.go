package accounts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms/nid"
)

// KommuneError is a kommunenummer an account cannot be given: not four
// digits, not in the kommune register, or no longer in force (kommuner
// merge and split). It is fault.ErrInvalid; the UI and the command line
// say which it is.
type KommuneError struct {
	Number string
	// Reason is nid's: nid.ReasonUnknown, nid.ReasonExpired, or one of
	// the form's (digits, length).
	Reason string
}

func (e *KommuneError) Error() string {
	switch e.Reason {
	case nid.ReasonUnknown:
		return fmt.Sprintf("invalid: kommunenummer %s is not in the kommune register", e.Number)
	case nid.ReasonExpired:
		return fmt.Sprintf("invalid: kommunenummer %s is no longer in force (the kommune register says so)", e.Number)
	}
	return fmt.Sprintf("invalid: %q is not a kommunenummer (four digits)", e.Number)
}

func (e *KommuneError) Unwrap() error { return fault.ErrInvalid }

// checkKommuner checks each kommunenummer against the kommune register,
// as in force today; without the register, its form only.
func (s *Service) checkKommuner(kommuner []string) error {
	return checkKommuner(s.registers, s.clock(), kommuner)
}

func checkKommuner(reg *nid.Registers, on time.Time, kommuner []string) error {
	for _, k := range kommuner {
		if _, err := reg.Kommunenummer(k, on); err != nil {
			ke := &KommuneError{Number: k}
			var ne *nid.Error
			if errors.As(err, &ne) {
				ke.Reason = ne.Reason
			}
			return ke
		}
	}
	return nil
}

// checkUnits checks an account's units: each in one of its kommuner, and
// where the units file divides that kommune, one of its units there.
func (s *Service) checkUnits(kommuner []string, refs []units.Ref) error {
	for _, r := range refs {
		if !slices.Contains(kommuner, r.Kommune) {
			return fmt.Errorf("%w: unit %s is in kommune %s, which is not one of the account's", fault.ErrInvalid, r.Unit, r.Kommune)
		}
		if len(s.units.In(r.Kommune)) > 0 && !s.units.Has(r.Kommune, r.Unit) {
			return fmt.Errorf("%w: %s is not a unit of kommune %s (the units file)", fault.ErrInvalid, r.Unit, r.Kommune)
		}
	}
	return nil
}

// checkDecides checks the kommuner of a decision role: each one of the
// kommuner given with it.
func checkDecides(kommuner, decides []string) error {
	for _, k := range decides {
		if !slices.Contains(kommuner, k) {
			return fmt.Errorf(`%w: "decides" names kommune %s, not one of "kommuner" (%s)`, fault.ErrInvalid, k, strings.Join(kommuner, ", "))
		}
	}
	return nil
}
