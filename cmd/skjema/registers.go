package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/skjema/skjema/forms/nid"
)

// Registers live as files in one directory, as the operator imported them:
// kommuner.csv (SSB's KLASS export) and postnummer.txt (Bring's register).
const (
	kommunerFile   = "kommuner.csv"
	postnummerFile = "postnummer.txt"
)

// registersImport checks a register file with its loader and copies it into
// the registers directory, replacing the old one atomically. serve reads the
// directory at start.
func registersImport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skjema registers import", flag.ContinueOnError)
	dir := fs.String("dir", "registers", "registers directory (SKJEMA_REGISTERS_DIR)")
	rest, err := parseFlags(fs, args, stdout, "", map[string]string{"dir": "SKJEMA_REGISTERS_DIR"})
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return errors.New("usage: skjema registers import [-dir DIR] kommuner|postnummer FILE")
	}
	kind, path := rest[0], rest[1]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var target string
	var n int
	switch kind {
	case "kommuner":
		k, err := nid.ReadKommunerSSB(f)
		if err != nil {
			return err
		}
		target, n = kommunerFile, len(k)
	case "postnummer":
		p, err := nid.ReadPostnumreBring(f)
		if err != nil {
			return err
		}
		target, n = postnummerFile, len(p)
	default:
		return fmt.Errorf("unknown register %q: kommuner or postnummer", kind)
	}
	if n == 0 {
		return fmt.Errorf("%s holds no entries", path)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(*dir, target+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, f); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(*dir, target)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d entries into %s; restart serve to use them\n", n, filepath.Join(*dir, target))
	return nil
}

// loadRegisters reads what the registers directory holds. A missing
// directory or file means that register is not loaded: numbers are then
// checked for their format only.
func loadRegisters(dir string) (*nid.Registers, error) {
	read := func(name string, load func(io.Reader) error) error {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		return load(f)
	}
	var kommuner []nid.Kommune
	var postnumre []nid.Poststed
	err := errors.Join(
		read(kommunerFile, func(r io.Reader) (err error) { kommuner, err = nid.ReadKommunerSSB(r); return }),
		read(postnummerFile, func(r io.Reader) (err error) { postnumre, err = nid.ReadPostnumreBring(r); return }),
	)
	if err != nil {
		return nil, fmt.Errorf("registers in %s: %w", dir, err)
	}
	return nid.NewRegisters(kommuner, postnumre), nil
}
