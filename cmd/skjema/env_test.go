package main

import (
	"io"
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
