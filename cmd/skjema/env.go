package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// envDefaults reads the SKJEMA_* variables that stand in for flags' defaults.
// An unset or empty variable leaves the built-in default. A value that does
// not parse is kept as an error naming the variable and the value, and err
// reports every such value, so that a typo (SKJEMA_RATE_LIMIT=2O,
// SKJEMA_BATCH_MAX_AGE=15 without a unit) stops the start instead of
// silently becoming the default.
type envDefaults struct {
	errs []error
}

// lookup answers a variable's value without surrounding space, and whether
// it is set to anything.
func (e *envDefaults) lookup(name string) (string, bool) {
	v := strings.TrimSpace(os.Getenv(name))
	return v, v != ""
}

func (e *envDefaults) bad(name, value, want string) {
	e.errs = append(e.errs, fmt.Errorf("environment variable %s=%q is not %s", name, value, want))
}

func (e *envDefaults) int(name string, fallback int) int {
	v, ok := e.lookup(name)
	if !ok {
		return fallback
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.bad(name, v, "a whole number")
		return fallback
	}
	return n
}

func (e *envDefaults) float(name string, fallback float64) float64 {
	v, ok := e.lookup(name)
	if !ok {
		return fallback
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.bad(name, v, "a number")
		return fallback
	}
	return f
}

func (e *envDefaults) duration(name string, fallback time.Duration) time.Duration {
	v, ok := e.lookup(name)
	if !ok {
		return fallback
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.bad(name, v, "a duration with a unit (90s, 15m, 2h)")
		return fallback
	}
	return d
}

// bool accepts what strconv.ParseBool does: 1, t, true, 0, f, false, in any
// case.
func (e *envDefaults) bool(name string, fallback bool) bool {
	v, ok := e.lookup(name)
	if !ok {
		return fallback
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.bad(name, v, "true or false")
		return fallback
	}
	return b
}

// err is every malformed value, or nil.
func (e *envDefaults) err() error { return errors.Join(e.errs...) }
