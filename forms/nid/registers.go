package nid

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/skjema/skjema/calendar"
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
}

// NewRegisters indexes the entries given. Either list may be empty.
func NewRegisters(kommuner []Kommune, postnumre []Poststed) *Registers {
	r := &Registers{kommuner: map[string][]Kommune{}, postnumre: map[string]Poststed{}}
	for _, k := range kommuner {
		r.kommuner[k.Number] = append(r.kommuner[k.Number], k)
	}
	for _, p := range postnumre {
		r.postnumre[p.Postnummer] = p
	}
	return r
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

// ReadKommunerSSB reads SSB's kommune classification as KLASS exports it
// (classification 131, "codes" for a date range, CSV): semicolon-separated,
// quoted, with a header naming at least the columns code and name, and
// optionally validFrom and validTo (yyyy-mm-dd). KLASS writes ISO-8859-1 unless
// asked for UTF-8; both are read.
func ReadKommunerSSB(r io.Reader) ([]Kommune, error) {
	rows, err := readTable(r, ';', true)
	if err != nil {
		return nil, fmt.Errorf("read kommune register: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read kommune register: empty")
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF"))] = i
	}
	codeCol, ok1 := col["code"]
	nameCol, ok2 := col["name"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("read kommune register: header must name columns code and name, got %q", rows[0])
	}
	field := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var out []Kommune
	for n, row := range rows[1:] {
		if len(row) <= codeCol || len(row) <= nameCol {
			return nil, fmt.Errorf("read kommune register: line %d: too few columns", n+2)
		}
		k := Kommune{Number: strings.TrimSpace(row[codeCol]), Name: strings.TrimSpace(row[nameCol])}
		if err := fourDigits("kommunenummer", k.Number); err != nil {
			return nil, fmt.Errorf("read kommune register: line %d: code %q is not four digits", n+2, k.Number)
		}
		for name, dst := range map[string]*time.Time{"validFrom": &k.ValidFrom, "validTo": &k.ValidTo} {
			if v := field(row, name); v != "" {
				// A register date is a Norwegian day: it begins at midnight in Oslo.
				t, err := time.ParseInLocation(time.DateOnly, v, calendar.Oslo)
				if err != nil {
					return nil, fmt.Errorf("read kommune register: line %d: %s %q: %w", n+2, name, v, err)
				}
				*dst = t
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// ReadPostnumreBring reads Bring's postnummer register in its
// Postnummerregister-ansi.txt layout: one line per postnummer, tab-separated
// columns postnummer, poststed, kommunenummer, kommunenavn, kategori, no
// header, Windows-1252 ("ANSI"). The same columns separated by commas, in
// UTF-8, are read too (the layout several public copies use).
func ReadPostnumreBring(r io.Reader) ([]Poststed, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	sep := '\t'
	if line, _, _ := bytes.Cut(head, []byte("\n")); !bytes.ContainsRune(line, '\t') && bytes.ContainsRune(line, ',') {
		sep = ','
	}
	rows, err := readTable(br, sep, false)
	if err != nil {
		return nil, fmt.Errorf("read postnummer register: %w", err)
	}
	out := make([]Poststed, 0, len(rows))
	for n, row := range rows {
		if len(row) < 4 {
			return nil, fmt.Errorf("read postnummer register: line %d: %d columns, want 5", n+1, len(row))
		}
		p := Poststed{Postnummer: row[0], Poststed: row[1], Kommunenummer: row[2], Kommunenavn: row[3]}
		if len(row) > 4 {
			p.Kategori = row[4]
		}
		if fourDigits("postnummer", p.Postnummer) != nil || fourDigits("kommunenummer", p.Kommunenummer) != nil {
			return nil, fmt.Errorf("read postnummer register: line %d: postnummer %q or kommunenummer %q is not four digits", n+1, p.Postnummer, p.Kommunenummer)
		}
		out = append(out, p)
	}
	return out, nil
}

// readTable reads a whole delimited file, decoding Windows-1252 when the bytes
// are not UTF-8.
func readTable(r io.Reader, sep rune, quoted bool) ([][]string, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(raw) {
		if raw, err = charmap.Windows1252.NewDecoder().Bytes(raw); err != nil {
			return nil, err
		}
	}
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = !quoted
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
	}
	return rows, nil
}
