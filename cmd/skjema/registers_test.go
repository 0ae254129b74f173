package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegistersFormats: the kommune register is installed from each form an
// operator gets it in, replacing the form imported before; installed files
// are readable by the service's user; status and serve's start summary say
// what was loaded, with counts; the målform register gives the widget's
// default language.
func TestRegistersFormats(t *testing.T) {
	dir := t.TempDir()
	regs := filepath.Join(dir, "registers")
	imp := func(kind, file string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), []string{"registers", "import", "-dir", regs, kind, "../../forms/nid/testdata/" + file}, &out, io.Discard); err != nil {
			t.Fatalf("import %s %s: %v", kind, file, err)
		}
		return out.String()
	}
	for _, file := range []string{"kommuner-ssb.csv", "kommuner-klass-comma.csv", "kommuner-klass.json"} {
		if out := imp("kommuner", file); !strings.Contains(out, "kommuner in force today, dated from 2020-01-01") {
			t.Errorf("import %s said %q", file, out)
		}
	}
	imp("postnummer", "Postnummerregister-ansi.txt")
	if out := imp("malform", "kommuner-list.json"); !strings.Contains(out, "written language for 5") {
		t.Errorf("import malform said %q", out)
	}
	names, _ := filepath.Glob(filepath.Join(regs, "*"))
	for i, n := range names {
		st, _ := os.Stat(n)
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", n, st.Mode().Perm())
		}
		names[i] = filepath.Base(n)
	}
	if got := strings.Join(names, " "); got != "kommuner.json malform.json postnummer.txt" {
		t.Errorf("registers directory holds %s", got)
	}

	var status bytes.Buffer
	if err := run(context.Background(), []string{"registers", "status", "-dir", regs}, &status, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{filepath.Join(regs, "kommuner.json") + "   KLASS JSON", "7 postnumre in 6 kommuner", "malform", "written language for 5"} {
		if !strings.Contains(status.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, status.String())
		}
	}

	// A målform register may be CSV of code and language; as a kommune
	// register it is refused (it names no kommuner).
	csvMalform := filepath.Join(dir, "malform.csv")
	os.WriteFile(csvMalform, []byte("code;language\n4640;nynorsk\n1101;bokmål\n"), 0o644)
	if err := run(context.Background(), []string{"registers", "import", "-dir", regs, "malform", csvMalform}, io.Discard, io.Discard); err != nil {
		t.Errorf("a målform CSV: %v", err)
	}
	if err := run(context.Background(), []string{"registers", "import", "-dir", t.TempDir(), "kommuner", csvMalform}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "names no kommune names") {
		t.Errorf("a målform CSV taken as kommuner: %v", err)
	}
	// A målform file that names no language is no målform register.
	if err := run(context.Background(), []string{"registers", "import", "-dir", regs, "malform", "../../forms/nid/testdata/kommuner-klass.json"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "names no written language") {
		t.Errorf("a KLASS file was taken as målform: %v", err)
	}

	var start bytes.Buffer
	m := &Main{Addr: "127.0.0.1:0", Database: filepath.Join(dir, "s.db"), RegistersDir: regs, LogLevel: "error", Stdout: &start, Stderr: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.Contains(start.String(), "registers: kommuner (KLASS JSON, 6 entries, 5 kommuner in force today") || !strings.Contains(start.String(), "postnummer (Bring, 7 postnumre") {
		t.Errorf("start summary: %s", start.String())
	}
	if m.registers.Language("4640") != "nn" {
		t.Errorf("Sogndal's written language is %q, want nn from the målform register", m.registers.Language("4640"))
	}
}
