package schemaerr

import (
	"fmt"
	"testing"
)

// TestFirstNamesIsTheStartOfTheSortedList: the one-pass selection of unknown
// keys agrees with sorting all of them, in pointer order ("~" and "/" are
// escaped, so "a/b" sorts as "a~1b").
func TestFirstNamesIsTheStartOfTheSortedList(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 1000 {
		names = append(names, fmt.Sprintf("k%04d", (i*7919)%1000))
	}
	names = append(names, "k/0000", "k~0000", "a")
	got := firstNames(names, 5)
	want := []string{"a", "k0000", "k0001", "k0002", "k0003"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("firstNames = %v, want %v", got, want)
	}
	if got := firstNames([]string{"b", "a"}, 5); fmt.Sprint(got) != "[a b]" {
		t.Errorf("fewer names than asked: %v", got)
	}
}
