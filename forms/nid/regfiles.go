package nid

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/skjema/skjema/calendar"
)

// The forms of a register file the readers know; a reader answers which one
// it read, for the operator's log.
const (
	FormatKLASSJSON = "KLASS JSON"        // {"codes":[{"code","name","validFrom","validTo"}]}
	FormatKLASSCSV  = "KLASS CSV"         // a header naming code and name, comma or semicolon
	FormatListJSON  = "kommune list JSON" // [{"k_id","k_name","k_language"}], as public copies of SSB's list have it
	FormatBring     = "Bring"             // postnummer, poststed, kommunenummer, kommunenavn, kategori
	formatExpected  = "expected SSB's KLASS 131 as JSON ({\"codes\":[…]}) or as CSV with a header naming code and name (comma or semicolon), or a kommune list as JSON ([{\"k_id\",\"k_name\",\"k_language\"}])"
	bringExpected   = "expected Bring's postnummer register: postnummer, poststed, kommunenummer, kommunenavn, kategori per line, tab- or comma-separated, with or without a header"
	registerMaxSize = 64 << 20
)

// ReadKommuner reads SSB's kommune classification (KLASS 131) in the forms an
// operator gets it: KLASS's JSON ("codes" for a date range), KLASS's CSV
// (comma or semicolon, quoted, with a header naming at least code and name
// and optionally validFrom and validTo as yyyy-mm-dd), or a list of kommuner
// as JSON with k_id, k_name and k_language (the official written language,
// which KLASS does not carry). A CSV header may name a language column too
// (language, målform or k_language). KLASS writes ISO-8859-1 unless asked for
// UTF-8; both are read. Every error is one line that says what the file looks
// like and what is expected.
func ReadKommuner(r io.Reader) ([]Kommune, string, error) {
	raw, err := readText(r, formatExpected)
	if err != nil {
		return nil, "", fmt.Errorf("read kommune register: %w", err)
	}
	var out []Kommune
	var format string
	switch trimmed := bytes.TrimSpace(raw); {
	case len(trimmed) == 0:
		return nil, "", errors.New("read kommune register: the file is empty; " + formatExpected)
	case trimmed[0] == '{':
		format = FormatKLASSJSON
		var doc struct {
			Codes *[]kommuneJSON `json:"codes"`
		}
		if err := json.Unmarshal(trimmed, &doc); err != nil {
			return nil, "", fmt.Errorf("read kommune register: this looks like JSON but does not parse (%v); %s", err, formatExpected)
		}
		if doc.Codes == nil {
			return nil, "", errors.New("read kommune register: this is JSON without a \"codes\" list; " + formatExpected)
		}
		out, err = kommunerFromJSON(*doc.Codes)
	case trimmed[0] == '[':
		format = FormatListJSON
		var list []kommuneJSON
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return nil, "", fmt.Errorf("read kommune register: this looks like a JSON list but does not parse (%v); %s", err, formatExpected)
		}
		if len(list) > 0 && list[0].Code != "" {
			format = FormatKLASSJSON
		}
		out, err = kommunerFromJSON(list)
	default:
		format = FormatKLASSCSV
		out, err = kommunerFromCSV(raw)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read kommune register (%s): %w", format, err)
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("read kommune register (%s): no kommuner in it", format)
	}
	return out, format, nil
}

// kommuneJSON is one entry of either JSON form: KLASS's names or the list's.
type kommuneJSON struct {
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	ValidFrom *string `json:"validFrom"`
	ValidTo   *string `json:"validTo"`
	KID       string  `json:"k_id"`
	KName     string  `json:"k_name"`
	KLanguage string  `json:"k_language"`
}

func kommunerFromJSON(list []kommuneJSON) ([]Kommune, error) {
	out := make([]Kommune, 0, len(list))
	for i, e := range list {
		k := Kommune{Number: first(e.Code, e.KID), Name: first(e.Name, e.KName)}
		var err error
		if k.Language, err = writtenLanguage(e.KLanguage); err == nil {
			err = k.setDates(deref(e.ValidFrom), deref(e.ValidTo))
		}
		if err == nil {
			err = k.check()
		}
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		out = append(out, k)
	}
	return out, nil
}

func kommunerFromCSV(raw []byte) ([]Kommune, error) {
	header, _, _ := bytes.Cut(raw, []byte("\n"))
	sep := ','
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		sep = ';'
	}
	rows, err := readCSV(raw, sep, false)
	if err != nil {
		return nil, fmt.Errorf("%v; %s", err, formatExpected)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.ToLower(name)] = i
	}
	codeCol, ok1 := col["code"]
	nameCol, ok2 := col["name"]
	_, hasLanguage := col["language"]
	if !ok2 && hasLanguage {
		nameCol, ok2 = codeCol, true // a målform register: code and language; no names
	}
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("the first line %q names no columns code and name; %s", truncate(string(header), 80), formatExpected)
	}
	field := func(row []string, names ...string) string {
		for _, name := range names {
			if i, ok := col[name]; ok && i < len(row) {
				return row[i]
			}
		}
		return ""
	}
	out := make([]Kommune, 0, len(rows)-1)
	for n, row := range rows[1:] {
		if len(row) <= codeCol || len(row) <= nameCol {
			return nil, fmt.Errorf("line %d: too few columns", n+2)
		}
		k := Kommune{Number: row[codeCol]}
		if nameCol != codeCol {
			k.Name = row[nameCol]
		}
		var err error
		if k.Language, err = writtenLanguage(field(row, "language", "målform", "malform", "k_language")); err == nil {
			err = k.setDates(field(row, "validfrom"), field(row, "validto"))
		}
		if err == nil {
			err = k.check()
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+2, err)
		}
		out = append(out, k)
	}
	return out, nil
}

func (k *Kommune) check() error {
	if fourDigits("kommunenummer", k.Number) != nil {
		return fmt.Errorf("code %q is not four digits", truncate(k.Number, 20))
	}
	return nil
}

// setDates reads a register's validity dates. A register date is a Norwegian
// day: it begins at midnight in Oslo.
func (k *Kommune) setDates(from, to string) error {
	for _, d := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"validFrom", from, &k.ValidFrom}, {"validTo", to, &k.ValidTo}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.v, calendar.Oslo)
		if err != nil {
			return fmt.Errorf("%s %q is not a date yyyy-mm-dd", d.name, truncate(d.v, 20))
		}
		*d.dst = t
	}
	return nil
}

// writtenLanguage reads a målform as registers write it.
func writtenLanguage(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "bokmål", "bokmal", "nb":
		return "nb", nil
	case "nynorsk", "nn":
		return "nn", nil
	case "nøytral", "noytral", "neutral":
		return "neutral", nil
	}
	return "", fmt.Errorf("written language %q is none of bokmål, nynorsk, nøytral", truncate(s, 20))
}

// ReadPostnumre reads Bring's postnummer register in its
// Postnummerregister-ansi.txt layout: one line per postnummer, tab-separated
// columns postnummer, poststed, kommunenummer, kommunenavn, kategori,
// Windows-1252 ("ANSI"). The same columns separated by commas, in UTF-8, are
// read too (the layout several public copies use), and a header line, as
// Bring's spreadsheet export has, is skipped.
func ReadPostnumre(r io.Reader) ([]Poststed, string, error) {
	raw, err := readText(r, bringExpected)
	if err != nil {
		return nil, "", fmt.Errorf("read postnummer register: %w", err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\n"))
	sep := '\t'
	if !bytes.ContainsRune(head, '\t') && bytes.ContainsRune(head, ',') {
		sep = ','
	}
	rows, err := readCSV(raw, sep, true)
	if err != nil {
		return nil, "", fmt.Errorf("read postnummer register: %v; %s", err, bringExpected)
	}
	skip := 0
	if len(rows[0]) > 0 && strings.HasPrefix(strings.ToLower(rows[0][0]), "postn") {
		skip = 1 // Bring's header: Postnummer, Poststed, Kommunenummer, …
	}
	out := make([]Poststed, 0, len(rows))
	for n, row := range rows[skip:] {
		line := n + 1 + skip
		if len(row) < 4 {
			return nil, "", fmt.Errorf("read postnummer register: line %d has %d columns, want 5; %s", line, len(row), bringExpected)
		}
		p := Poststed{Postnummer: row[0], Poststed: row[1], Kommunenummer: row[2], Kommunenavn: row[3]}
		if len(row) > 4 {
			p.Kategori = row[4]
		}
		if fourDigits("postnummer", p.Postnummer) != nil || fourDigits("kommunenummer", p.Kommunenummer) != nil {
			return nil, "", fmt.Errorf("read postnummer register: line %d: postnummer %q or kommunenummer %q is not four digits; %s",
				line, truncate(p.Postnummer, 20), truncate(p.Kommunenummer, 20), bringExpected)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, "", errors.New("read postnummer register: no postnumre in it; " + bringExpected)
	}
	return out, FormatBring, nil
}

// readText reads a whole register file as UTF-8 text, decoding Windows-1252
// when the bytes are not UTF-8. A file that is not text (a spreadsheet, a
// zip, a program) is refused with what it looks like.
func readText(r io.Reader, expected string) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, registerMaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > registerMaxSize {
		return nil, fmt.Errorf("the file is larger than %d MB; %s", registerMaxSize>>20, expected)
	}
	if kind := http.DetectContentType(raw); !strings.HasPrefix(kind, "text/") {
		return nil, fmt.Errorf("this is not a text file (it looks like %s); %s", kind, expected)
	}
	if !utf8.Valid(raw) {
		if raw, err = charmap.Windows1252.NewDecoder().Bytes(raw); err != nil {
			return nil, err
		}
	}
	return bytes.TrimPrefix(raw, []byte("\uFEFF")), nil
}

// readCSV reads delimited text into trimmed fields. lazy tolerates quotes in
// unquoted fields, as Bring's plain layout may have them.
func readCSV(raw []byte, sep rune, lazy bool) ([][]string, error) {
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = lazy
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d is not %s-separated text as expected (%v)", pe.Line, sepName(sep), pe.Err)
		}
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("the file is empty")
	}
	for _, row := range rows {
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
	}
	return rows, nil
}

func sepName(sep rune) string {
	switch sep {
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	}
	return "comma"
}

// truncate keeps an excerpt of a bad value short enough for one line, with
// control characters escaped.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
