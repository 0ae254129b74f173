package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnitsFileIsReadStrictly: a units file that would send applications
// to the wrong caseworkers stops the start with one line saying why.
func TestUnitsFileIsReadStrictly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ name, file, kommuner, want string }{
		{"a postnummer in two units", `{"0301": {"units": [{"id": "a", "name": "A", "postnummer": ["0150"]}, {"id": "b", "name": "B", "postnummer": ["0150"]}]}}`, "",
			"postnummer 0150 is in both unit a and unit b"},
		{"a kommune not served", `{"4601": {"units": [{"id": "a", "name": "A"}]}}`, "0301", "kommune 4601 is not one -kommuner serves"},
		{"an id twice", `{"0301": {"units": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}}`, "", "unit id a is given twice"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		m := &Main{UnitsFile: path, Kommuner: tc.kommuner}
		_, err := m.loadUnits()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.name, err, tc.want)
		}
	}
	m := &Main{UnitsFile: "../../examples/units/units.json", Kommuner: "0301"}
	if u, err := m.loadUnits(); err != nil || u.Of("0301", "0150") != "gamle-oslo" {
		t.Fatalf("the example: %v", err)
	}
}

// TestLetterheadsFileIsReadStrictly: the example letterheads file is read,
// and one with a mistake stops the start saying which kommune.
func TestLetterheadsFileIsReadStrictly(t *testing.T) {
	t.Parallel()
	m := &Main{LetterheadsFile: "../../examples/letterheads/letterheads.json"}
	heads, err := m.loadLetterheads()
	if err != nil || heads["0301"].Name != "Oslo kommune" || heads["4601"].Address[1] != "5020 Bergen" {
		t.Fatalf("the example: %+v, %v", heads, err)
	}
	path := filepath.Join(t.TempDir(), "letterheads.json")
	if err := os.WriteFile(path, []byte(`{"4601": {"address": ["Postboks 7700"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m = &Main{LetterheadsFile: path}
	if _, err := m.loadLetterheads(); err == nil || !strings.Contains(err.Error(), "kommune 4601") {
		t.Fatalf("a letterhead without a name: %v", err)
	}
}
