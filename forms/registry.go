package forms

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/schemas"
)

// Config says where definitions come from and how identifiers are checked.
type Config struct {
	// Builtin holds the definitions shipped in the binary. Defaults to
	// schemas.FS.
	Builtin fs.FS
	// Dir is an optional directory of extra definitions, one subdirectory per
	// form; a form there replaces a built-in one of the same name. Defaults to
	// none.
	Dir string
	// Registers are the kommune and postnummer registers the operator
	// imported. Defaults to none: only the format of those numbers is checked.
	Registers *nid.Registers
	// Person chooses which personal numbers are accepted. The zero value is
	// right for production (no synthetic numbers, no H-numre).
	Person nid.PersonOptions
	// Now is the clock kommunenummer effective dates are read against.
	// Defaults to time.Now.
	Now func() time.Time
}

// environment is what format checks need at validation time.
type environment struct {
	registers *nid.Registers
	person    nid.PersonOptions
	now       func() time.Time
}

// formats are the Norwegian identifiers as JSON Schema formats. Their errors
// are *nid.Error, which the validator turns into message codes.
func (e *environment) formats() []*jsonschema.Format {
	str := func(check func(string) error) func(any) error {
		return func(v any) error {
			s, ok := v.(string)
			if !ok {
				return nil // the type keyword reports non-strings
			}
			return check(s)
		}
	}
	return []*jsonschema.Format{
		{Name: "fodselsnummer", Validate: str(func(s string) error { _, err := nid.Fodselsnummer(s, e.person); return err })},
		{Name: "kontonummer", Validate: str(func(s string) error { _, err := nid.Kontonummer(s); return err })},
		{Name: "organisasjonsnummer", Validate: str(func(s string) error { _, err := nid.Organisasjonsnummer(s); return err })},
		{Name: "kommunenummer", Validate: str(func(s string) error { _, err := e.registers.Kommunenummer(s, e.now()); return err })},
		{Name: "postnummer", Validate: str(func(s string) error { _, err := e.registers.Postnummer(s); return err })},
	}
}

// Registry holds every compiled form. It is read-only after Load.
type Registry struct {
	forms map[string]*Form
}

// Load reads and compiles every definition. A definition that does not
// compile or does not pass Check is an error: a broken form must stop the
// server at start, not fail a citizen at submit.
func Load(cfg Config) (*Registry, error) {
	if cfg.Builtin == nil {
		cfg.Builtin = schemas.FS
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	env := &environment{registers: cfg.Registers, person: cfg.Person, now: cfg.Now}
	r := &Registry{forms: map[string]*Form{}}
	sources := []fs.FS{cfg.Builtin}
	if cfg.Dir != "" {
		sources = append(sources, os.DirFS(cfg.Dir))
	}
	var problems []error
	for _, src := range sources {
		entries, err := fs.ReadDir(src, ".")
		if err != nil {
			return nil, fmt.Errorf("read form definitions: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			f, err := loadForm(src, e.Name(), env)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			r.forms[f.ID] = f
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return r, nil
}

// loadForm reads, compiles and checks one definition directory.
func loadForm(fsys fs.FS, dir string, env *environment) (*Form, error) {
	if env == nil {
		env = &environment{now: time.Now}
	}
	d, err := readDefinition(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", dir, err)
	}
	f, err := compileForm(dir, d, env)
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", dir, err)
	}
	if problems := f.Check(); len(problems) > 0 {
		return nil, fmt.Errorf("form %s: %w", dir, errors.Join(problems...))
	}
	return f, nil
}

// Form returns the form with the id, if there is one.
func (r *Registry) Form(id string) (*Form, bool) {
	f, ok := r.forms[id]
	return f, ok
}

// Agencies are the agencies the forms send to, each once, sorted: none for
// a form the kommune decides.
func (r *Registry) Agencies() []string {
	var out []string
	for _, f := range r.forms {
		if f.Road() == RoadAgency && !slices.Contains(out, f.Agency) {
			out = append(out, f.Agency)
		}
	}
	slices.Sort(out)
	return out
}

func (r *Registry) Forms() []*Form {
	out := make([]*Form, 0, len(r.forms))
	for _, f := range r.forms {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
