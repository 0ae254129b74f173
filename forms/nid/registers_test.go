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
	kommuner, err := ReadKommunerSSB(kf)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open("testdata/Postnummerregister-ansi.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	postnumre, err := ReadPostnumreBring(pf)
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

func TestReadRegistersRejectsBadFiles(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"no header columns": "\"a\";\"b\"\n\"0301\";\"Oslo\"\n",
		"code not digits":   "\"code\";\"name\"\n\"03x1\";\"Oslo\"\n",
		"bad date":          "\"code\";\"name\";\"validFrom\"\n\"0301\";\"Oslo\";\"1.1.2020\"\n",
		"empty":             "",
	} {
		if _, err := ReadKommunerSSB(strings.NewReader(in)); err == nil {
			t.Errorf("ReadKommunerSSB(%s) accepted a bad file", name)
		}
	}
	if _, err := ReadPostnumreBring(strings.NewReader("0150\tOSLO\n")); err == nil {
		t.Error("ReadPostnumreBring accepted a line with two columns")
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
	postnumre, err := ReadPostnumreBring(f)
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
