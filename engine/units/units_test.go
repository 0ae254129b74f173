package units_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine/units"
)

func TestParseRefusesWhatWouldSendApplicationsAstray(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, file, want string }{
		{"not four digits", `{"301": {"units": [{"id": "a", "name": "A"}]}}`, `kommune "301"`},
		{"no units", `{"0301": {"units": []}}`, "has no units"},
		{"unknown member", `{"0301": {"units": [{"id": "a", "name": "A", "postnumre": []}]}}`, "unknown field"},
		{"bad id", `{"0301": {"units": [{"id": "Gamle Oslo", "name": "A"}]}}`, "is not lower-case"},
		{"no name", `{"0301": {"units": [{"id": "a", "name": " "}]}}`, "has no name"},
		{"id twice", `{"0301": {"units": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}}`, "given twice"},
		{"bad postnummer", `{"0301": {"units": [{"id": "a", "name": "A", "postnummer": ["150"]}]}}`, `postnummer "150"`},
		{"postnummer in two units", `{"0301": {"units": [{"id": "a", "name": "A", "postnummer": ["0150"]}, {"id": "b", "name": "B", "postnummer": ["0150"]}]}}`,
			"0150 is in both unit a and unit b"},
		{"more after", `{} {}`, "more after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := units.Parse([]byte(tc.file), nil, time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestUnitOfAPostnummer(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../examples/units/units.json")
	if err != nil {
		t.Fatal(err)
	}
	u, err := units.Parse(raw, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Of("0301", "0190"); got != "gamle-oslo" {
		t.Errorf("0190 is in %q, want gamle-oslo", got)
	}
	if got := u.Of("0301", "0001"); got != "" {
		t.Errorf("a postnummer no unit lists is in %q", got)
	}
	if got := u.Of("4601", "0190"); got != "" {
		t.Errorf("a kommune without units has unit %q", got)
	}
	if got := (*units.Units)(nil).Of("0301", "0190"); got != "" {
		t.Errorf("no units file gives unit %q", got)
	}
	if got := u.Name("0301", "frogner"); got != "Bydel Frogner" {
		t.Errorf("name %q", got)
	}
}

func TestResolveUnitsAsWritten(t *testing.T) {
	t.Parallel()
	u, err := units.Parse([]byte(`{"0301": {"units": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}, "4601": {"units": [{"id": "a", "name": "A"}]}}`), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := u.Resolve([]string{"b", "0301/a", "b"}, []string{"0301"})
	if err != nil || len(got) != 2 || got[0].String() != "0301/a" || got[1].String() != "0301/b" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, tc := range []struct {
		names    []string
		kommuner []string
		want     string
	}{
		{[]string{"a"}, []string{"0301", "4601"}, "more than one"},
		{[]string{"c"}, []string{"0301"}, "not a unit of kommune 0301"},
		{[]string{"4601/a"}, []string{"0301"}, "not one of the account's"},
		{[]string{"0301/c"}, []string{"0301"}, "not a unit of kommune 0301"},
	} {
		if _, err := u.Resolve(tc.names, tc.kommuner); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v of %v: err = %v, want %q", tc.names, tc.kommuner, err, tc.want)
		}
	}
	// Without a units file, only the form is checked, in the one kommune.
	if got, err := (*units.Units)(nil).Resolve([]string{"x"}, []string{"0301"}); err != nil || got[0].String() != "0301/x" {
		t.Fatalf("got %v, %v", got, err)
	}
}
