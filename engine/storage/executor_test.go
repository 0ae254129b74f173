package storage

import (
	"testing"
	"time"
)

// TestUTCArgs: every bound time, by value or by pointer, goes to the
// database in UTC; other arguments and the caller's slice are left alone.
func TestUTCArgs(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, time.November, 26, 0, 0, 0, 0, oslo)
	var nilTime *time.Time
	args := []any{"x", 3, at, &at, nilTime}
	got := utcArgs(args)
	if got[2].(time.Time).Location() != time.UTC || !got[2].(time.Time).Equal(at) {
		t.Errorf("time bound as %v", got[2])
	}
	if p := got[3].(*time.Time); p.Location() != time.UTC || !p.Equal(at) {
		t.Errorf("*time bound as %v", p)
	}
	if got[0] != "x" || got[1] != 3 || got[4] != nilTime {
		t.Errorf("other arguments changed: %v", got)
	}
	if args[2].(time.Time).Location() != oslo || at.Location() != oslo {
		t.Error("the caller's slice or time was changed")
	}
}
