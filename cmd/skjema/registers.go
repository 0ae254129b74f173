package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/forms/nid"
)

// Registers live as files in one directory, as the operator imported them,
// each named by its register and the form it came in (kommuner.json,
// kommuner.csv, postnummer.txt, malform.json): serve reads the directory at
// start and tells each file's form by its content.
//
//   - kommuner: SSB's kommune classification (KLASS 131) as JSON or CSV, or a
//     kommune list as JSON; numbers, names, validity dates, and the written
//     language where the file has it.
//   - postnummer: Bring's postnummer register.
//   - malform: the kommuner's official written language, from a kommune list
//     that has it, for an installation whose kommune register is KLASS's
//     (which does not carry it). It sets the widget's default language.
var registerKinds = []string{"kommuner", "postnummer", "malform"}

const registersUsage = "usage: skjema registers import [-dir DIR] kommuner|postnummer|malform FILE\n       skjema registers status [-dir DIR]"

// registerFile is one register as read: what the operator and the log are
// told of it.
type registerFile struct {
	kind, path, format string
	modified           time.Time
	kommuner           []nid.Kommune
	postnumre          []nid.Poststed
}

func registersCommand(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(registersUsage)
	}
	fs := flag.NewFlagSet("skjema registers "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", "registers", "registers directory (SKJEMA_REGISTERS_DIR)")
	rest, err := parseFlags(fs, args[1:], stdout, "", map[string]string{"dir": "SKJEMA_REGISTERS_DIR"})
	if err != nil {
		return err
	}
	switch {
	case args[0] == "import" && len(rest) == 2:
		return registersImport(*dir, rest[0], rest[1], stdout)
	case args[0] == "status" && len(rest) == 0:
		return registersStatus(*dir, stdout)
	}
	return errors.New(registersUsage)
}

// readRegister reads a register file of the kind given with its loader,
// and keeps its bytes for an import to install.
func readRegister(kind, path string) (*registerFile, []byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	reg := &registerFile{kind: kind, path: path, modified: st.ModTime()}
	switch kind {
	case "kommuner", "malform":
		reg.kommuner, reg.format, err = nid.ReadKommuner(bytes.NewReader(data))
		if err == nil && kind == "kommuner" && slices.ContainsFunc(reg.kommuner, func(k nid.Kommune) bool { return k.Name == "" }) {
			err = fmt.Errorf("%s names no kommune names; a kommune register has code and name (import a file of code and language as malform)", path)
		}
		if err == nil && kind == "malform" && !slices.ContainsFunc(reg.kommuner, func(k nid.Kommune) bool { return k.Language != "" }) {
			err = fmt.Errorf("%s names no written language; a målform register is a kommune list with k_language (bokmål, nynorsk, nøytral), or CSV with columns code and language", path)
		}
	case "postnummer":
		reg.postnumre, reg.format, err = nid.ReadPostnumre(bytes.NewReader(data))
	default:
		return nil, nil, fmt.Errorf("unknown register %q: %s", kind, strings.Join(registerKinds, ", "))
	}
	if err != nil {
		return nil, nil, err
	}
	return reg, data, nil
}

// registersImport checks a register file with its loader and copies it into
// the registers directory, replacing the old one atomically, readable by the
// service's user.
func registersImport(dir, kind, path string, stdout io.Writer) error {
	reg, src, err := readRegister(kind, path)
	if err != nil {
		return err
	}
	ext := ".csv"
	switch reg.format {
	case nid.FormatKLASSJSON, nid.FormatListJSON:
		ext = ".json"
	case nid.FormatBring:
		ext = ".txt"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, kind+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(src)
	if err = errors.Join(err, tmp.Chmod(0o644), tmp.Close()); err != nil {
		return err
	}
	target := filepath.Join(dir, kind+ext)
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	// The same register in another form, imported before, is replaced too.
	old, _ := filepath.Glob(filepath.Join(dir, kind+".*"))
	for _, o := range old {
		if o != target && !strings.HasSuffix(o, ".tmp") {
			os.Remove(o)
		}
	}
	reg.path = target
	fmt.Fprintf(stdout, "imported %s into %s: %s; restart serve to use it\n", reg.format, target, reg.describe(time.Now()))
	return nil
}

// registersStatus prints what the directory holds, as serve would load it.
func registersStatus(dir string, stdout io.Writer) error {
	files, err := readRegisters(dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGISTER\tFILE\tFORMAT\tIMPORTED\tCONTENT")
	now := time.Now()
	for _, kind := range registerKinds {
		reg, ok := files[kind]
		if !ok {
			fmt.Fprintf(tw, "%s\t-\t-\t-\tnot imported\n", kind)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", kind, reg.path, reg.format, reg.modified.In(calendar.Oslo).Format("2006-01-02 15:04"), reg.describe(now))
	}
	return tw.Flush()
}

// describe counts what a register holds: entries, and for kommuner how many
// are in force on the day given and how many have a written language.
func (r *registerFile) describe(now time.Time) string {
	if r.kind == "postnummer" {
		kommuner := map[string]bool{}
		for _, p := range r.postnumre {
			kommuner[p.Kommunenummer] = true
		}
		return fmt.Sprintf("%d postnumre in %d kommuner", len(r.postnumre), len(kommuner))
	}
	reg := nid.NewRegisters(r.kommuner, nil)
	valid, languages := map[string]bool{}, 0
	var from time.Time
	for _, k := range r.kommuner {
		if _, err := reg.Kommunenummer(k.Number, now); err == nil {
			valid[k.Number] = true
		}
		if k.Language != "" {
			languages++
		}
		if !k.ValidFrom.IsZero() && (from.IsZero() || k.ValidFrom.Before(from)) {
			from = k.ValidFrom
		}
	}
	s := fmt.Sprintf("%d entries, %d kommuner in force today", len(r.kommuner), len(valid))
	if !from.IsZero() {
		s += ", dated from " + from.Format(time.DateOnly)
	}
	return s + fmt.Sprintf(", written language for %d", languages)
}

// readRegisters reads every register file in dir. A missing directory or
// file means that register is not imported; two files of one register are
// an error (an import replaces the other).
func readRegisters(dir string) (map[string]*registerFile, error) {
	out := map[string]*registerFile{}
	var errs []error
	for _, kind := range registerKinds {
		paths, _ := filepath.Glob(filepath.Join(dir, kind+".*"))
		paths = slices.DeleteFunc(paths, func(p string) bool { return strings.HasSuffix(p, ".tmp") })
		switch len(paths) {
		case 0:
			continue
		case 1:
		default:
			errs = append(errs, fmt.Errorf("%s has two %s registers (%s); remove one, or import again", dir, kind, strings.Join(paths, ", ")))
			continue
		}
		reg, _, err := readRegister(kind, paths[0])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[kind] = reg
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("registers in %s: %w", dir, err)
	}
	return out, nil
}

// loadRegisters reads what the registers directory holds into the lookups
// the forms use, and describes each register for the start log. Without a
// register, numbers are checked for their format only.
func loadRegisters(dir string) (*nid.Registers, []string, error) {
	files, err := readRegisters(dir)
	if err != nil {
		return nil, nil, err
	}
	var kommuner []nid.Kommune
	var postnumre []nid.Poststed
	var described []string
	now := time.Now()
	for _, kind := range registerKinds {
		reg, ok := files[kind]
		if !ok {
			continue
		}
		if kind == "kommuner" {
			kommuner = reg.kommuner
		}
		postnumre = append(postnumre, reg.postnumre...)
		described = append(described, fmt.Sprintf("%s (%s, %s)", kind, reg.format, reg.describe(now)))
	}
	registers := nid.NewRegisters(kommuner, postnumre)
	if m, ok := files["malform"]; ok {
		registers.AddLanguages(m.kommuner)
	}
	return registers, described, nil
}
