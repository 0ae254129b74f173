package calendar

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	t.Parallel()
	for year, want := range map[int]string{
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2038: "2038-04-25", 2019: "2019-04-21", 2000: "2000-04-23",
	} {
		if got := Easter(year).Format(time.DateOnly); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	c := Calendar{}
	tests := []struct {
		name  string
		year  int
		month time.Month
		want  string
	}{
		{"a Wednesday stays", 2026, time.November, "2026-11-25"},
		{"a Saturday moves to Monday", 2026, time.April, "2026-04-27"},
		{"a Sunday moves to Monday", 2026, time.January, "2026-01-26"},
		{"Christmas Day and Boxing Day, then a weekend: the 29th", 2025, time.December, "2025-12-29"},
		{"Christmas Day on a Friday moves past the weekend and Boxing Day", 2026, time.December, "2026-12-28"},
		{"Whit Monday moves to Tuesday", 2026, time.May, "2026-05-26"},
		{"Ascension Day, Thursday 25 May 2028, moves to Friday", 2028, time.May, "2028-05-26"},
	}
	for _, tt := range tests {
		if got := c.Deadline(tt.year, tt.month).Format(time.DateOnly); got != tt.want {
			t.Errorf("%s: Deadline(%d-%02d) = %s, want %s", tt.name, tt.year, tt.month, got, tt.want)
		}
	}
	moved := Calendar{DeadlineDay: 20, Closed: []string{"2026-11-20"}}
	if got := moved.Deadline(2026, time.November).Format(time.DateOnly); got != "2026-11-23" {
		t.Errorf("a configured day and closed date: %s, want 2026-11-23", got)
	}
}

func TestLastCutoff(t *testing.T) {
	t.Parallel()
	c := Calendar{}
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, Oslo)
		if err != nil {
			panic(err)
		}
		return t
	}
	for in, want := range map[string]string{
		"2026-11-25 23:59": "2026-10-27 00:00", // 25 Oct 2026 is a Sunday: deadline Monday 26th
		"2026-11-26 00:00": "2026-11-26 00:00",
		"2026-12-01 09:00": "2026-11-26 00:00",
		"2026-01-10 12:00": "2025-12-30 00:00",
	} {
		if got := c.LastCutoff(at(in)).In(Oslo).Format("2006-01-02 15:04"); got != want {
			t.Errorf("LastCutoff(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestNextDeadline(t *testing.T) {
	t.Parallel()
	c := Calendar{}
	for in, want := range map[string]string{
		"2026-11-23 09:00": "2026-11-25", // this month's, two days ahead
		"2026-11-25 23:59": "2026-11-25", // the deadline day itself, still open
		"2026-11-26 00:00": "2026-12-28", // past it: December's, moved past Christmas
		"2026-12-31 12:00": "2027-01-25",
	} {
		at, err := time.ParseInLocation("2006-01-02 15:04", in, Oslo)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.NextDeadline(at).Format(time.DateOnly); got != want {
			t.Errorf("NextDeadline(%s) = %s, want %s", in, got, want)
		}
	}
}
