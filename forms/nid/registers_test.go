package nid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadFixtures(t *testing.T) *Registers {
	t.Helper()
	kf, err := os.Open("testdata/kommuner-ssb.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	kommuner, _, err := ReadKommuner(kf)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open("testdata/Postnummerregister-ansi.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	postnumre, _, err := ReadPostnumre(pf)
	if err != nil {
		t.Fatal(err)
	}
	return NewRegisters(kommuner, postnumre)
}

func TestRegistersReadLatin1AndWindows1252(t *testing.T) {
	t.Parallel()
	r := loadFixtures(t)
	k, err := r.Kommunenummer("5501", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || k.Name != "Tromsø" {
		t.Fatalf("Kommunenummer(5501) = %+v, %v; want Tromsø decoded from ISO-8859-1", k, err)
	}
	p, err := r.Postnummer("8001")
	if err != nil || p.Poststed != "BODØ" || p.Kommunenummer != "1804" || p.Kategori != "P" {
		t.Fatalf("Postnummer(8001) = %+v, %v; want BODØ in 1804 decoded from Windows-1252", p, err)
	}
}

func TestKommunenummerEffectiveDates(t *testing.T) {
	t.Parallel()
	r := loadFixtures(t)
	in2023 := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	in2026 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		on       time.Time
		wantCode string
	}{
		{"Oslo is valid", "0301", in2026, ""},
		{"Tromsø's old number before the 2024 split", "5401", in2023, ""},
		{"Tromsø's old number after the 2024 split", "5401", in2026, "kommunenummer.expired"},
		{"Tromsø's new number before it existed", "5501", in2023, "kommunenummer.expired"},
		{"Tromsø's new number after 2024", "5501", in2026, ""},
		{"a number that never was", "9999", in2026, "kommunenummer.unknown"},
		// The split took effect at midnight in Oslo, an hour before UTC's.
		{"Tromsø's old number at 00:30 on 1 January 2024 in Oslo", "5401", time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC), "kommunenummer.expired"},
		{"Tromsø's new number at 00:30 on 1 January 2024 in Oslo", "5501", time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC), ""},
		{"three digits", "301", in2026, "kommunenummer.length"},
		{"letters", "03A1", in2026, "kommunenummer.digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := r.Kommunenummer(tt.in, tt.on)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("Kommunenummer(%q, %v) = %q, want %q", tt.in, tt.on, got, tt.wantCode)
			}
		})
	}
}

func TestPostnummer(t *testing.T) {
	t.Parallel()
	r := loadFixtures(t)
	tests := []struct {
		name, post, kommune, wantCode, wantCrossCode string
	}{
		{"Oslo postnummer in Oslo", "0150", "0301", "", ""},
		{"Bergen postnummer in Oslo", "5003", "0301", "", "postnummer.kommune"},
		{"Tromsø postnummer under the new number", "9008", "5501", "", ""},
		{"unknown postnummer", "0001", "0301", "postnummer.unknown", ""},
		{"five digits", "01500", "0301", "postnummer.length", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := r.Postnummer(tt.post)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("Postnummer(%q) = %q, want %q", tt.post, got, tt.wantCode)
			}
			if got := code(r.PostnummerInKommune(tt.post, tt.kommune)); got != tt.wantCrossCode {
				t.Fatalf("PostnummerInKommune(%q, %q) = %q, want %q", tt.post, tt.kommune, got, tt.wantCrossCode)
			}
		})
	}
}

func TestNoRegisterChecksFormatOnly(t *testing.T) {
	t.Parallel()
	var r *Registers
	if _, err := r.Kommunenummer("9999", time.Now()); err != nil {
		t.Errorf("without a register any four digits are a kommunenummer, got %v", err)
	}
	if _, err := r.Postnummer("999"); code(err) != "postnummer.length" {
		t.Errorf("format is still checked without a register, got %v", err)
	}
	if err := r.PostnummerInKommune("5003", "0301"); err != nil {
		t.Errorf("no cross-check is possible without a register, got %v", err)
	}
}

// TestReadKommunerFormats reads the kommune register in each form an
// operator gets it, with the same kommuner and dates from each.
func TestReadKommunerFormats(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file, format string
		dates        bool
	}{
		{"kommuner-ssb.csv", FormatKLASSCSV, true},
		{"kommuner-klass.json", FormatKLASSJSON, true},
		{"kommuner-klass-comma.csv", FormatKLASSCSV, true},
		{"kommuner-list.json", FormatListJSON, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			kommuner, format, err := ReadKommuner(f)
			if err != nil {
				t.Fatal(err)
			}
			if format != tt.format {
				t.Errorf("format = %q, want %q", format, tt.format)
			}
			r := NewRegisters(kommuner, nil)
			if k, err := r.Kommunenummer("5501", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || k.Name != "Tromsø" {
				t.Errorf("5501 = %+v, %v; want Tromsø", k, err)
			}
			_, err = r.Kommunenummer("5401", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if want := map[bool]string{true: "kommunenummer.expired", false: "kommunenummer.unknown"}[tt.dates]; code(err) != want {
				t.Errorf("5401 in 2026: %v, want %s", err, want)
			}
		})
	}
}

func TestKommuneWrittenLanguage(t *testing.T) {
	t.Parallel()
	kommuner, _, err := ReadKommuner(strings.NewReader(`[{"k_id":"4601","k_name":"Bergen","k_language":"Nøytral"},
		{"k_id":"4640","k_name":"Sogndal","k_language":"Nynorsk"},{"k_id":"0301","k_name":"Oslo","k_language":"Nøytral"},
		{"k_id":"1103","k_name":"Stavanger","k_language":"Bokmål"}]`))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegisters(kommuner, nil)
	for number, want := range map[string]string{"4640": "nn", "1103": "nb", "4601": "", "0301": "", "9999": ""} {
		if got := r.Language(number); got != want {
			t.Errorf("Language(%s) = %q, want %q", number, got, want)
		}
	}
	// A målform register read beside KLASS (which carries no language).
	klass := NewRegisters([]Kommune{{Number: "4640", Name: "Sogndal"}}, nil)
	klass.AddLanguages([]Kommune{{Number: "4640", Language: "nn"}})
	if klass.Language("4640") != "nn" {
		t.Error("AddLanguages did not give Sogndal nynorsk")
	}
	var none *Registers
	if none.Language("4640") != "" {
		t.Error("no register knows no language")
	}
}

// TestReadRegistersRejectsBadFiles: every refusal is one line that says what
// the file looks like and what is expected.
func TestReadRegistersRejectsBadFiles(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct{ in, want string }{
		"no header columns":  {"\"a\";\"b\"\n\"0301\";\"Oslo\"\n", "names no columns code and name"},
		"code not digits":    {"\"code\";\"name\"\n\"03x1\";\"Oslo\"\n", `line 2: code "03x1" is not four digits`},
		"bad date":           {"\"code\";\"name\";\"validFrom\"\n\"0301\";\"Oslo\";\"1.1.2020\"\n", `validFrom "1.1.2020" is not a date`},
		"empty":              {"", "empty"},
		"json without codes": {`{"classification":131}`, `JSON without a "codes" list`},
		"broken json":        {`{"codes":[{"code":"0301"`, "looks like JSON but does not parse"},
		"binary":             {"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00", "not a text file (it looks like application/octet-stream)"},
		"zip":                {"PK\x03\x04\x14\x00\x00\x00\x08\x00", "not a text file (it looks like application/zip)"},
		"bad language":       {`[{"k_id":"0301","k_name":"Oslo","k_language":"samisk"}]`, `entry 1: written language "samisk"`},
	} {
		_, _, err := ReadKommuner(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, tt.want)
			continue
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\x00\x7f") || len(msg) > 400 {
			t.Errorf("%s: the error is not one short line: %q", name, msg)
		}
		if name != "code not digits" && name != "bad date" && name != "bad language" && !strings.Contains(err.Error(), "expected SSB's KLASS 131") {
			t.Errorf("%s: %v does not say what is expected", name, err)
		}
	}
	for name, tt := range map[string]struct{ in, want string }{
		"two columns": {"0150\tOSLO\n", "line 1 has 2 columns, want 5"},
		"binary":      {"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00", "not a text file"},
		"not digits":  {"Oslo,0150,0301,OSLO,G\n", `postnummer "Oslo"`},
	} {
		_, _, err := ReadPostnumre(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "expected Bring's postnummer register") {
			t.Errorf("postnummer %s: %v, want an error with %q and what is expected", name, err, tt.want)
		}
	}
}

// TestReadPostnumreWithHeader: Bring's spreadsheet export begins with a header.
func TestReadPostnumreWithHeader(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"Postnummer\tPoststed\tKommunenummer\tKommunenavn\tKategori\n0150\tOSLO\t0301\tOSLO\tG\n",
		"Postnummer,Poststed,Kommunenummer,Kommunenavn,Kategori\n0150,OSLO,0301,OSLO,G\n",
		"0150\tOSLO\t0301\tOSLO\tG\n",
	} {
		p, format, err := ReadPostnumre(strings.NewReader(in))
		if err != nil || len(p) != 1 || p[0].Postnummer != "0150" || format != FormatBring {
			t.Errorf("%q: %+v, %q, %v", in, p, format, err)
		}
	}
}

// TestPublicPostnummerRegister reads the full public copy the project keeps
// beside the repository (../shared/data), when it is there, as a check that the
// loader copes with a real register. The copy is comma-separated UTF-8.
func TestPublicPostnummerRegister(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "..", "shared", "data", "postnummer", "postal-codes.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("public register not beside the repository (%v)", err)
	}
	defer f.Close()
	postnumre, _, err := ReadPostnumre(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(postnumre) < 4000 {
		t.Fatalf("read %d postnumre, want the whole country (over 4,000)", len(postnumre))
	}
	r := NewRegisters(nil, postnumre)
	if err := r.PostnummerInKommune("0010", "0301"); err != nil {
		t.Errorf("0010 should lie in Oslo: %v", err)
	}
	if p, _ := r.Postnummer("9008"); p.Poststed != "TROMSØ" {
		t.Errorf("9008 = %+v, want TROMSØ", p)
	}
}

// TestPublicKommuneRegister reads the public copy of SSB's kommune list kept
// beside the repository (../shared/data), when it is there: the list as JSON,
// with each kommune's written language.
func TestPublicKommuneRegister(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "kommuner", "kommuner-2025.json"))
	if err != nil {
		t.Skipf("public register not beside the repository (%v)", err)
	}
	defer f.Close()
	kommuner, format, err := ReadKommuner(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(kommuner) < 350 || format != FormatListJSON {
		t.Fatalf("read %d kommuner as %q, want the whole country (357) as %q", len(kommuner), format, FormatListJSON)
	}
	r := NewRegisters(kommuner, nil)
	if r.Language("1101") != "nb" || r.Language("4640") != "nn" || r.Language("0301") != "" {
		t.Errorf("Eigersund %q, Sogndal %q, Oslo %q; want nb, nn and neutral", r.Language("1101"), r.Language("4640"), r.Language("0301"))
	}
	nn := 0
	for _, k := range kommuner {
		if k.Language == "nn" {
			nn++
		}
	}
	if nn < 50 {
		t.Errorf("%d nynorsk kommuner, want the country's (over 50)", nn)
	}
}
