package answer

import (
	"encoding/json"
	"testing"
)

func TestKronerGroupsThousandsWithNoBreakSpaces(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0\u00a0kr", 950: "950\u00a0kr", 12907: "12\u00a0907\u00a0kr",
		1234567: "1\u00a0234\u00a0567\u00a0kr", -4500: "-4\u00a0500\u00a0kr", 9520.6: "9\u00a0521\u00a0kr",
	} {
		if got := Kroner(v); got != want {
			t.Errorf("Kroner(%v) = %q, want %q", v, got, want)
		}
	}
	if got := Grouped("12a"); got != "" {
		t.Errorf("Grouped(12a) = %q, want none", got)
	}
}

func TestWholeNumberAsPeopleTypeIt(t *testing.T) {
	for in, want := range map[string]json.Number{
		"14500": "14500", " 14 500 ": "14500", "14\u00a0500": "14500", "14\u202f500": "14500", "-200": "-200",
	} {
		if got, ok := WholeNumber(in); !ok || got != want {
			t.Errorf("WholeNumber(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", "14,5", "14.500", "1e3", "1234567890123456"} {
		if got, ok := WholeNumber(in); ok {
			t.Errorf("WholeNumber(%q) = %q, want refused", in, got)
		}
	}
}
