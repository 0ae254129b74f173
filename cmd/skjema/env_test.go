package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMalformedEnvironmentStopsTheStart: a SKJEMA_* value that does not parse
// is an error naming the variable and the value, not a silent default (code
// review B12); booleans take what strconv.ParseBool takes.
func TestMalformedEnvironmentStopsTheStart(t *testing.T) {
	bad := []struct{ name, value string }{
		{"SKJEMA_RATE_LIMIT", "2O"},
		{"SKJEMA_BATCH_MAX_AGE", "15"},
		{"SKJEMA_BATCH_SIZE", "500 items"},
		{"SKJEMA_DEADLINE_DAY", "25.5"},
		{"SKJEMA_HSTS", "yes"},
		{"SKJEMA_DEV", "on"},
		{"SKJEMA_LOG_LEVEL", "loud"},
	}
	for _, tt := range bad {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Setenv(tt.name, tt.value)
			m := &Main{Stdout: io.Discard, Stderr: io.Discard}
			err := m.ParseFlags(nil)
			if err == nil || !strings.Contains(err.Error(), tt.name) || !strings.Contains(err.Error(), `"`+tt.value+`"`) {
				t.Fatalf("ParseFlags = %v, want an error naming %s and %q", err, tt.name, tt.value)
			}
		})
	}

	t.Run("every malformed value is named at once", func(t *testing.T) {
		t.Setenv("SKJEMA_RATE_LIMIT", "2O")
		t.Setenv("SKJEMA_SEAL_INTERVAL", "1 minute")
		err := (&Main{Stdout: io.Discard, Stderr: io.Discard}).ParseFlags(nil)
		if err == nil || !strings.Contains(err.Error(), "SKJEMA_RATE_LIMIT") || !strings.Contains(err.Error(), "SKJEMA_SEAL_INTERVAL") {
			t.Fatalf("ParseFlags = %v", err)
		}
	})

	t.Run("well-formed values are read", func(t *testing.T) {
		t.Setenv("SKJEMA_RATE_LIMIT", "2.5")
		t.Setenv("SKJEMA_BATCH_MAX_AGE", " 90s ")
		t.Setenv("SKJEMA_BATCH_SIZE", "")
		t.Setenv("SKJEMA_HSTS", "1")
		t.Setenv("SKJEMA_DEV", "TRUE")
		t.Setenv("SKJEMA_NO_MIGRATE", "f")
		t.Setenv("SKJEMA_MAX_INFLIGHT", "200")
		m := &Main{Stdout: io.Discard, Stderr: io.Discard}
		if err := m.ParseFlags(nil); err != nil {
			t.Fatal(err)
		}
		if m.RatePerClient != 2.5 || m.BatchMaxAge != 90*time.Second || m.BatchSize != 500 || !m.HSTS || !m.Dev || m.NoMigrate ||
			m.MaxInFlight != 200 || m.MaxConnsPerAddr != 64 {
			t.Fatalf("read %+v", m)
		}
	})
}

// TestEveryFlagHasItsVariable: `skjema serve -h` succeeds and lists every
// flag with the environment variable it names; that variable sets the flag
// (a value that is no number is an error naming it, or else it changes what
// is read), and the README's configuration table names both. -registers
// keeps SKJEMA_REGISTERS_DIR, the name the README has always given it.
func TestEveryFlagHasItsVariable(t *testing.T) {
	var help bytes.Buffer
	if err := run(context.Background(), []string{"serve", "-h"}, &help, io.Discard); err != nil {
		t.Fatalf("serve -h: %v", err)
	}
	line := regexp.MustCompile(`^\s+-([a-z-]+)\b.*\((SKJEMA_[A-Z_]+)(=true)?\)`)
	names := map[string]string{}
	for _, l := range strings.Split(help.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "-") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("serve -h lists a flag without its variable: %q", l)
			}
			names[m[1]] = m[2]
		}
	}
	if len(names) < 27 || names["registers"] != "SKJEMA_REGISTERS_DIR" || names["batch-max-age"] != "SKJEMA_BATCH_MAX_AGE" {
		t.Fatalf("serve -h listed %v", names)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "## Configuration")
	table, _, _ = strings.Cut(table, "\n## ")
	for flag, name := range names {
		if !strings.Contains(table, "`-"+flag+"`") || !strings.Contains(table, "`"+name) {
			t.Errorf("the README's configuration does not name -%s and %s", flag, name)
		}
	}
	var unset Main
	if err := unset.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	for flag, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "§")
			var m Main
			err := m.ParseFlags(nil)
			if err != nil && !strings.Contains(err.Error(), name+`="§"`) {
				t.Fatalf("-%s: %v does not name %s", flag, err, name)
			}
			if err == nil && reflect.DeepEqual(m, unset) {
				t.Fatalf("-%s: %s=§ changed nothing", flag, name)
			}
		})
	}
}

// TestFlagsAreChecked: an unknown flag and a malformed value on the command
// line are errors naming them; the command line wins over the environment.
func TestFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{{"-frobnicate"}, {"-batch-size", "500 items"}, {"-hsts=yes"}} {
		err := (&Main{Stdout: io.Discard, Stderr: io.Discard}).ParseFlags(args)
		if err == nil || !strings.Contains(err.Error(), strings.Trim(strings.SplitN(args[0], "=", 2)[0], "-")) {
			t.Errorf("ParseFlags(%q) = %v, want an error naming it", args, err)
		}
	}
	t.Setenv("SKJEMA_BATCH_SIZE", "20")
	t.Setenv("SKJEMA_REGISTERS_DIR", "from-env")
	m := &Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags([]string{"-batch-size", "30", "-registers", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	if m.BatchSize != 30 || m.RegistersDir != "from-flag" {
		t.Fatalf("the environment won over the flags: %d %q", m.BatchSize, m.RegistersDir)
	}
}
