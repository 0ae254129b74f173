package nid

import (
	"time"
)

// Reasons particular to kommunenummer and postnummer.
const (
	ReasonUnknown = "unknown" // not in the loaded register
	ReasonExpired = "expired" // in the register, but not valid on the day asked about
	ReasonKommune = "kommune" // a postnummer that lies in another kommune than the one given
)

// Kommune is one entry of SSB's kommune classification (KLASS 131).
type Kommune struct {
	Number    string
	Name      string
	ValidFrom time.Time // midnight in Oslo; zero: valid from the beginning of the register
	ValidTo   time.Time // exclusive, midnight in Oslo; zero: still valid
	// Language is the kommune's official written language (målform, chosen
	// by the kommune under mållova § 6 and forskrift om målvedtak): "nb",
	// "nn", "neutral", or "" where the register does not say.
	Language string
}

func (k Kommune) validOn(day time.Time) bool {
	return (k.ValidFrom.IsZero() || !day.Before(k.ValidFrom)) && (k.ValidTo.IsZero() || day.Before(k.ValidTo))
}

// Poststed is one line of Bring's postnummer register.
type Poststed struct {
	Postnummer    string
	Poststed      string
	Kommunenummer string
	Kommunenavn   string
	Kategori      string // B (street addresses and boxes), F (several uses), G (street), P (boxes), S (service)
}

// Registers holds the kommune and postnummer registers an operator imported.
// The zero value and nil hold none, and then only the format of a number is
// checked. A Registers is read-only after NewRegisters and safe to share.
type Registers struct {
	kommuner  map[string][]Kommune
	postnumre map[string]Poststed
	languages map[string]string
}

// NewRegisters indexes the entries given. Either list may be empty.
func NewRegisters(kommuner []Kommune, postnumre []Poststed) *Registers {
	r := &Registers{kommuner: map[string][]Kommune{}, postnumre: map[string]Poststed{}, languages: map[string]string{}}
	for _, k := range kommuner {
		r.kommuner[k.Number] = append(r.kommuner[k.Number], k)
	}
	r.AddLanguages(kommuner)
	for _, p := range postnumre {
		r.postnumre[p.Postnummer] = p
	}
	return r
}

// AddLanguages records the written language of the kommuner given, over any
// known before: a målform register read beside a kommune register that has
// none (KLASS does not carry it). Call it before sharing r.
func (r *Registers) AddLanguages(kommuner []Kommune) {
	for _, k := range kommuner {
		if k.Language != "" {
			r.languages[k.Number] = k.Language
		}
	}
}

// Language is the official written language of a kommune: "nb" or "nn", or
// "" where it is neutral or not known.
func (r *Registers) Language(kommunenummer string) string {
	if r == nil {
		return ""
	}
	if l := r.languages[kommunenummer]; l == "nb" || l == "nn" {
		return l
	}
	return ""
}

// HasKommuner and HasPostnumre tell whether that register is loaded.
func (r *Registers) HasKommuner() bool  { return r != nil && len(r.kommuner) > 0 }
func (r *Registers) HasPostnumre() bool { return r != nil && len(r.postnumre) > 0 }

// Kommunenummer checks a four-digit kommunenummer and, where the kommune
// register is loaded, that it was in force on the given day (kommuner merge and
// split: 2020 and 2024 changed many numbers).
func (r *Registers) Kommunenummer(s string, on time.Time) (Kommune, error) {
	const kind = "kommunenummer"
	if err := fourDigits(kind, s); err != nil {
		return Kommune{}, err
	}
	if !r.HasKommuner() {
		return Kommune{Number: s}, nil
	}
	entries, ok := r.kommuner[s]
	if !ok {
		return Kommune{}, &Error{kind, ReasonUnknown}
	}
	for _, k := range entries {
		if k.validOn(on) {
			return k, nil
		}
	}
	return Kommune{}, &Error{kind, ReasonExpired}
}

// Postnummer checks a four-digit postnummer and, where the postnummer register
// is loaded, that it exists.
func (r *Registers) Postnummer(s string) (Poststed, error) {
	const kind = "postnummer"
	if err := fourDigits(kind, s); err != nil {
		return Poststed{}, err
	}
	if !r.HasPostnumre() {
		return Poststed{Postnummer: s}, nil
	}
	p, ok := r.postnumre[s]
	if !ok {
		return Poststed{}, &Error{kind, ReasonUnknown}
	}
	return p, nil
}

// PostnummerInKommune cross-checks an address: the postnummer must lie in the
// kommune given. Without a postnummer register nothing can be said, and it
// answers nil. The postnummer register may be newer or older than the
// kommune register; the check trusts the postnummer register.
func (r *Registers) PostnummerInKommune(postnummer, kommunenummer string) error {
	if !r.HasPostnumre() {
		return nil
	}
	p, ok := r.postnumre[postnummer]
	if !ok || p.Kommunenummer == kommunenummer {
		return nil // an unknown postnummer is reported by Postnummer itself
	}
	return &Error{"postnummer", ReasonKommune}
}

func fourDigits(kind, s string) error {
	if !allDigits(s) {
		return &Error{kind, ReasonDigits}
	}
	if len(s) != 4 {
		return &Error{kind, ReasonLength}
	}
	return nil
}
