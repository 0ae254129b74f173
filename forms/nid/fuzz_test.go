package nid

import (
	"bytes"
	"testing"
	"time"
)

// The fuzz targets assert that no input panics, and that whatever is accepted
// is accepted again in its normalised form.

func FuzzFodselsnummer(f *testing.F) {
	for _, s := range []string{"13097248022", "53097248016", "30108299939", "10915596784", "", "99999999999", "0000000000\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Fodselsnummer(s, PersonOptions{AllowSynthetic: true, AllowHNummer: true})
		if err == nil && (p.Month < 1 || p.Month > 12 || p.Day < 1 || p.Day > 31) {
			t.Fatalf("accepted %q with date %d.%d", s, p.Day, p.Month)
		}
		if err == nil {
			p.AgeAt(time.Now())
		}
	})
}

func FuzzKontonummer(f *testing.F) {
	for _, s := range []string{"86011117947", "8601.11.17947", "8601 11 17947", "8601.11 17947", "", "............."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Kontonummer(s)
		if err != nil {
			return
		}
		if again, err := Kontonummer(n); err != nil || again != n || len(n) != 11 {
			t.Fatalf("Kontonummer(%q) = %q, which is not stable: %q, %v", s, n, again, err)
		}
	})
}

func FuzzOrganisasjonsnummer(f *testing.F) {
	for _, s := range []string{"974760673", "974 760 673", "", "           "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Organisasjonsnummer(s)
		if err != nil {
			return
		}
		if again, err := Organisasjonsnummer(n); err != nil || again != n || len(n) != 9 {
			t.Fatalf("Organisasjonsnummer(%q) = %q, which is not stable", s, n)
		}
	})
}

func FuzzReadRegisters(f *testing.F) {
	f.Add([]byte("\"code\";\"name\";\"validFrom\";\"validTo\"\n\"0301\";\"Oslo\";\"2020-01-01\";\"\"\n"))
	f.Add([]byte("0150\tOSLO\t0301\tOSLO\tG\n"))
	f.Add([]byte("0150,OSLO,0301,OSLO,G\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, _, _ := ReadKommuner(bytes.NewReader(data))
		p, _, _ := ReadPostnumre(bytes.NewReader(data))
		r := NewRegisters(k, p)
		for _, post := range p {
			if _, err := r.Postnummer(post.Postnummer); err != nil {
				t.Fatalf("a postnummer read from the register is unknown to it: %q", post.Postnummer)
			}
		}
	})
}
