package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v4"
	"github.com/peterbourgon/ff/v4/ffhelp"
)

// envPrefix is what every serve flag's environment variable begins with:
// -batch-max-age is also SKJEMA_BATCH_MAX_AGE (ff's rule: upper case, "-"
// becomes "_").
const envPrefix = "SKJEMA"

// parseFlags parses args into fs with ff (github.com/peterbourgon/ff/v4).
// With prefix set, every flag may also come from the environment, as
// PREFIX_FLAG_NAME; extraEnv maps a flag to a variable of another name, read
// when neither the flag nor its prefixed variable is given. The command line
// wins over the environment; an empty variable is as if unset. An unknown
// flag is an error, and so is a value that does not parse, on the command
// line or in the environment, named with its flag or variable. -h writes the
// flags to help and answers flag.ErrHelp. It answers the arguments, with
// any flags among them parsed (users add EMAIL -name X).
func parseFlags(fs *flag.FlagSet, args []string, help io.Writer, prefix string, extraEnv map[string]string) ([]string, error) {
	flags := ff.NewFlagSetFrom(fs.Name(), fs)
	var options []ff.Option
	if prefix != "" {
		options = append(options, ff.WithEnvVarPrefix(prefix))
	}
	err := ff.Parse(everyEnvError{flags}, args, options...)
	if errors.Is(err, ff.ErrHelp) {
		ffhelp.Flags(flags).WriteTo(help)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	var errs []error
	fs.VisitAll(func(sf *flag.Flag) {
		name, ok := extraEnv[sf.Name]
		if !ok {
			return
		}
		f, _ := flags.GetFlag(sf.Name)
		value := strings.TrimSpace(os.Getenv(name))
		if f.IsSet() || value == "" {
			return
		}
		if err := f.SetValue(value); err != nil {
			errs = append(errs, fmt.Errorf("parse environment: %s=%q: %w", name, value, err))
		}
	})
	// Flags may follow an argument too (users add EMAIL -name X): the
	// arguments are taken one by one, and what follows each is parsed again.
	var positional []string
	for rest := flags.GetArgs(); len(rest) > 0; rest = fs.Args() {
		positional = append(positional, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return nil, err
		}
	}
	return positional, errors.Join(errs...)
}

// everyEnvError is a flag set as ff sees it, keeping two habits of the
// parser ff replaced. ff stops at the first malformed environment value; an
// operator fixing a deployment's variables should see every one at once, so
// the walk ff sets them in goes on past an error and answers them all. And
// ff sets a variable's value as it is; " 90s " from an env file means 90s,
// so the value is trimmed. ff reads the command line with Parse, not through
// this walk, so flags given there are as the shell passed them.
type everyEnvError struct{ ff.Flags }

func (fs everyEnvError) WalkFlags(fn func(ff.Flag) error) error {
	var errs []error
	fs.Flags.WalkFlags(func(f ff.Flag) error {
		if err := fn(trimmedFlag{f}); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	return errors.Join(errs...)
}

// trimmedFlag sets a flag to its value without surrounding space.
type trimmedFlag struct{ ff.Flag }

func (f trimmedFlag) SetValue(s string) error { return f.Flag.SetValue(strings.TrimSpace(s)) }
