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
