package nidtest

import (
	"testing"

	"github.com/skjema/skjema/forms/nid"
)

// TestFodselsnummerIsValidAndDistinct: the numbers are valid and differ,
// including across the wrap of the birth dates.
func TestFodselsnummerIsValidAndDistinct(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for _, i := range append(seq(0, 2000), seq(17990, 18010)...) {
		f := Fodselsnummer(i)
		if _, err := nid.Fodselsnummer(f, nid.PersonOptions{}); err != nil {
			t.Fatalf("Fodselsnummer(%d) = %s: %v", i, f, err)
		}
		if j, dup := seen[f]; dup {
			t.Fatalf("Fodselsnummer(%d) = Fodselsnummer(%d) = %s", i, j, f)
		}
		seen[f] = i
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// TestSyntheticIsValidOnlyWhereAllowed: a Tenor number passes where
// synthetic numbers are allowed, and is refused in production.
func TestSyntheticIsValidOnlyWhereAllowed(t *testing.T) {
	t.Parallel()
	for i := range 50 {
		fnr := Synthetic(i)
		if fnr[2] < '8' {
			t.Fatalf("Synthetic(%d) = %s: the month is not +80", i, fnr)
		}
		if _, err := nid.Fodselsnummer(fnr, nid.PersonOptions{AllowSynthetic: true}); err != nil {
			t.Fatalf("Synthetic(%d) = %s: %v", i, fnr, err)
		}
		if _, err := nid.Fodselsnummer(fnr, nid.PersonOptions{}); err == nil {
			t.Fatalf("Synthetic(%d) = %s passes in production", i, fnr)
		}
	}
}
