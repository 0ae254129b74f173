// Package units divides a kommune into the units that handle its
// applications (Oslo handles bostøtte per bydel): which units a kommune
// has, what they are called, and which postnumre each covers. It is data an
// operator keeps in a file (the units file, loaded at start), read strictly
// here; it knows nothing of applications or accounts, which keep a unit by
// its id. A nil *Units is an installation without units: every lookup
// answers none.
package units

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/forms/nid"
)

// Unit is one unit of a kommune.
type Unit struct {
	// ID names the unit in accounts, the command line and links:
	// lower-case letters, digits and dashes ("gamle-oslo").
	ID string `json:"id"`
	// Name is what caseworkers read ("Bydel Gamle Oslo").
	Name string `json:"name"`
	// Postnummer are the postnumre whose addresses the unit handles. A
	// postnummer no unit of the kommune lists gives an application no unit:
	// it goes to the kommune's caseworkers of no unit.
	Postnummer []string `json:"postnummer"`
}

// Ref is a unit of a kommune, as an account keeps it. In JSON it is its
// String.
type Ref struct {
	Kommune string
	Unit    string
}

// String is "0301/gamle-oslo", the form the command line and the group map
// accept.
func (r Ref) String() string { return r.Kommune + "/" + r.Unit }

// Units are the units file as loaded.
type Units struct {
	kommuner map[string][]Unit
	// unitOf is the unit of a kommune's postnummer.
	unitOf map[string]map[string]string
}

// file is the units file: by kommunenummer, the kommune's units.
type file map[string]struct {
	Units []Unit `json:"units"`
}

// idRE is a unit's id: it must go into a comma-separated list and a URL
// untouched.
var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Load reads a units file (Parse).
func Load(path string, reg *nid.Registers, on time.Time) (*Units, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	u, err := Parse(raw, reg, on)
	if err != nil {
		return nil, fmt.Errorf("units file %s: %w", path, err)
	}
	return u, nil
}

// Parse reads a units file, strictly, so a mistake stops the start rather
// than sending applications to the wrong caseworkers: an unknown member, a
// kommunenummer that is not four digits or not in the kommune register (in
// force on the day; reg may hold none), a kommune without units, a unit
// without id or name, an id twice in one kommune, a postnummer that is not
// four digits (or not in the postnummer register, where reg holds it), and a postnummer in two units of one kommune are each
// refused, saying which. (A postnummer may lie in two kommuner, so two
// kommuner may list it.)
func Parse(raw []byte, reg *nid.Registers, on time.Time) (*Units, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf(`not a units file ({"0301": {"units": [{"id": "gamle-oslo", "name": "Bydel Gamle Oslo", "postnummer": ["0190"]}]}}): %w`, err)
	}
	if dec.More() {
		return nil, errors.New("not a units file: more after the object")
	}
	u := &Units{kommuner: map[string][]Unit{}, unitOf: map[string]map[string]string{}}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range f {
			if !yield(k) {
				return
			}
		}
	}) {
		if _, err := reg.Kommunenummer(k, on); err != nil {
			return nil, fmt.Errorf("kommune %q: %w", k, err)
		}
		if len(f[k].Units) == 0 {
			return nil, fmt.Errorf("kommune %s has no units: leave it out", k)
		}
		unitOf := map[string]string{}
		for _, un := range f[k].Units {
			switch {
			case !idRE.MatchString(un.ID):
				return nil, fmt.Errorf("kommune %s: unit id %q is not lower-case letters, digits and dashes", k, un.ID)
			case strings.TrimSpace(un.Name) == "":
				return nil, fmt.Errorf("kommune %s: unit %s has no name", k, un.ID)
			case slices.ContainsFunc(u.kommuner[k], func(o Unit) bool { return o.ID == un.ID }):
				return nil, fmt.Errorf("kommune %s: unit id %s is given twice", k, un.ID)
			}
			for _, p := range un.Postnummer {
				if _, err := reg.Postnummer(p); err != nil {
					return nil, fmt.Errorf("kommune %s, unit %s: postnummer %q: %w", k, un.ID, p, err)
				}
				if other, ok := unitOf[p]; ok {
					return nil, fmt.Errorf("kommune %s: postnummer %s is in both unit %s and unit %s", k, p, other, un.ID)
				}
				unitOf[p] = un.ID
			}
			un.Name = strings.TrimSpace(un.Name)
			u.kommuner[k] = append(u.kommuner[k], un)
		}
		u.unitOf[k] = unitOf
	}
	return u, nil
}

// Of is the unit that handles an address's postnummer in a kommune; ""
// for none (no units in the kommune, or none lists the postnummer).
func (u *Units) Of(kommune, postnummer string) string {
	if u == nil {
		return ""
	}
	return u.unitOf[kommune][postnummer]
}

// In are a kommune's units, in the file's order; none for a kommune that
// is not divided.
func (u *Units) In(kommune string) []Unit {
	if u == nil {
		return nil
	}
	return u.kommuner[kommune]
}

// Kommuner are the kommuner divided into units, sorted.
func (u *Units) Kommuner() []string {
	if u == nil {
		return nil
	}
	var out []string
	for k := range u.kommuner {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Name is a unit's name; its id for a unit the file does not have (one
// it had when an application or an account was given it).
func (u *Units) Name(kommune, id string) string {
	for _, un := range u.In(kommune) {
		if un.ID == id {
			return un.Name
		}
	}
	return id
}

// Has says whether a kommune has a unit of this id.
func (u *Units) Has(kommune, id string) bool {
	return slices.ContainsFunc(u.In(kommune), func(un Unit) bool { return un.ID == id })
}

// Resolve reads units as a person writes them for an account of these
// kommuner: "0301/gamle-oslo", or just "gamle-oslo" where only one of the
// kommuner can have it (the only kommune, or the only one whose units
// include it). Each must be a unit of one of the kommuner; where u holds
// units for the kommune, one it has. The answer is sorted, without
// repeats.
func (u *Units) Resolve(names []string, kommuner []string) ([]Ref, error) {
	var out []Ref
	for _, s := range names {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		k, id, qualified := strings.Cut(s, "/")
		if !qualified {
			k, id = "", s
			var in []string
			for _, kk := range kommuner {
				if u.Has(kk, id) {
					in = append(in, kk)
				}
			}
			switch {
			case len(in) == 1:
				k = in[0]
			case len(in) == 0 && len(kommuner) == 1 && len(u.In(kommuner[0])) == 0:
				k = kommuner[0] // no units file to check against
			case len(in) > 1:
				return nil, fmt.Errorf("unit %s is in more than one of the kommuner: write it as %s/%s", id, in[0], id)
			default:
				return nil, fmt.Errorf("unit %s is not a unit of kommune %s", id, strings.Join(kommuner, ", "))
			}
		}
		if !slices.Contains(kommuner, k) {
			return nil, fmt.Errorf("unit %s: kommune %s is not one of the account's", s, k)
		}
		if !idRE.MatchString(id) {
			return nil, fmt.Errorf("unit %q is not lower-case letters, digits and dashes", id)
		}
		if len(u.In(k)) > 0 && !u.Has(k, id) {
			return nil, fmt.Errorf("unit %s is not a unit of kommune %s (the units file)", id, k)
		}
		out = append(out, Ref{Kommune: k, Unit: id})
	}
	return Sorted(out), nil
}

// Sorted sorts refs by kommune and unit and drops repeats.
func Sorted(refs []Ref) []Ref {
	slices.SortFunc(refs, func(a, b Ref) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(refs)
}

// MarshalText writes a ref as "0301/gamle-oslo".
func (r Ref) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a ref written as "0301/gamle-oslo": in a file (the
// group map) a unit is always written with its kommune.
func (r *Ref) UnmarshalText(b []byte) error {
	k, id, ok := strings.Cut(string(b), "/")
	if _, err := (*nid.Registers)(nil).Kommunenummer(k, time.Time{}); !ok || err != nil || !idRE.MatchString(id) {
		return fmt.Errorf("%q is not a unit written as kommunenummer/unit (0301/gamle-oslo)", b)
	}
	*r = Ref{Kommune: k, Unit: id}
	return nil
}
