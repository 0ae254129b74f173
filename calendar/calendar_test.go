package calendar

import (
	"fmt"
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

// TestPublicHolidays pins Norway's public holidays (helligdagsloven § 2 and
// lov om 1. og 17. mai) for several years against the dates in the almanac,
// written out rather than computed: New Year's Day, Maundy Thursday, Good
// Friday, Easter Sunday and Monday, 1 May, 17 May, Ascension Day, Whit
// Sunday and Monday, Christmas Day and Boxing Day.
func TestPublicHolidays(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		year int
		want []string
	}{
		{2024, []string{"01-01", "03-28", "03-29", "03-31", "04-01", "05-01", "05-09", "05-17", "05-19", "05-20", "12-25", "12-26"}},
		{2025, []string{"01-01", "04-17", "04-18", "04-20", "04-21", "05-01", "05-17", "05-29", "06-08", "06-09", "12-25", "12-26"}},
		{2026, []string{"01-01", "04-02", "04-03", "04-05", "04-06", "05-01", "05-14", "05-17", "05-24", "05-25", "12-25", "12-26"}},
		// Whit Monday falls on 17 May: eleven days, not twelve.
		{2027, []string{"01-01", "03-25", "03-26", "03-28", "03-29", "05-01", "05-06", "05-16", "05-17", "12-25", "12-26"}},
		{2028, []string{"01-01", "04-13", "04-14", "04-16", "04-17", "05-01", "05-17", "05-25", "06-04", "06-05", "12-25", "12-26"}},
		{2029, []string{"01-01", "03-29", "03-30", "04-01", "04-02", "05-01", "05-10", "05-17", "05-20", "05-21", "12-25", "12-26"}},
		{2030, []string{"01-01", "04-18", "04-19", "04-21", "04-22", "05-01", "05-17", "05-30", "06-09", "06-10", "12-25", "12-26"}},
	} {
		got := PublicHolidays(tt.year)
		want := map[string]bool{}
		for _, md := range tt.want {
			want[fmt.Sprintf("%d-%s", tt.year, md)] = true
		}
		for day := range want {
			if _, ok := got[day]; !ok {
				t.Errorf("%d: %s is missing", tt.year, day)
			}
		}
		for day, name := range got {
			if !want[day] {
				t.Errorf("%d: %s (%s) is not a public holiday", tt.year, day, name)
			}
		}
	}
}

// TestApplicationMonth: the month an application is for, per channel
// (Husbanken [V-frist]: the move to the next working day is for paper only).
func TestApplicationMonth(t *testing.T) {
	t.Parallel()
	cal := Calendar{}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, Oslo) }
	for _, tt := range []struct {
		name string
		at   time.Time
		ch   Channel
		want string
	}{
		{"digital on Sunday 26 April 2026 (the 25th a Saturday) is for May", at(2026, time.April, 26, 12, 0), Digital, "2026-05"},
		{"paper registered Monday 27 April 2026 is still for April", at(2026, time.April, 27, 15, 0), Paper, "2026-04"},
		{"paper on Tuesday 28 April 2026 is for May", at(2026, time.April, 28, 0, 0), Paper, "2026-05"},
		{"digital late on the deadline day itself counts for that month", at(2026, time.April, 25, 23, 59), Digital, "2026-04"},
		{"digital at midnight after the deadline day is for the next month", at(2026, time.April, 26, 0, 0), Digital, "2026-05"},
		{"digital early in the month is for that month", at(2026, time.March, 2, 9, 0), Digital, "2026-03"},
		{"digital after the December deadline is for January", at(2026, time.December, 28, 9, 0), Digital, "2027-01"},
		{"paper on Whit Monday 25 May 2026 moves to Tuesday 26 May", at(2026, time.May, 26, 10, 0), Paper, "2026-05"},
		{"digital on 26 May 2026 is for June", at(2026, time.May, 26, 10, 0), Digital, "2026-06"},
		{"UTC instant late on the 25th is still the 25th in Oslo (summer)", time.Date(2026, time.June, 25, 21, 30, 0, 0, time.UTC), Digital, "2026-06"},
		{"UTC instant just after Oslo midnight is the 26th", time.Date(2026, time.June, 25, 22, 0, 0, 0, time.UTC), Digital, "2026-07"},
	} {
		if got := cal.ApplicationMonth(tt.at, tt.ch).String(); got != tt.want {
			t.Errorf("%s: ApplicationMonth(%v, %s) = %s, want %s", tt.name, tt.at, tt.ch, got, tt.want)
		}
	}
	// A late deadline day moved into the next month holds the month before
	// for paper: 28 February 2026 is a Saturday, so paper runs to Monday 2 March.
	late := Calendar{DeadlineDay: 28}
	if got := late.ApplicationMonth(at(2026, time.March, 1, 12, 0), Paper).String(); got != "2026-02" {
		t.Errorf("paper on 1 March with the deadline moved to 2 March: %s, want 2026-02", got)
	}
	if got := late.ApplicationMonth(at(2026, time.March, 1, 12, 0), Digital).String(); got != "2026-03" {
		t.Errorf("digital on 1 March after the 28 February deadline: %s, want 2026-03", got)
	}
}

// TestCompleteBy: a returned application completed within a month after its
// deadline keeps its month (forskrift om bustøtte § 9 [V-frist]).
func TestCompleteBy(t *testing.T) {
	t.Parallel()
	cal := Calendar{}
	apr := Month{2026, time.April}
	if got := cal.CompleteBy(apr, Digital).Format(time.DateOnly); got != "2026-05-25" {
		t.Errorf("digital April 2026 complete by %s, want 2026-05-25", got)
	}
	if got := cal.CompleteBy(apr, Paper).Format(time.DateOnly); got != "2026-05-27" {
		t.Errorf("paper April 2026 (deadline Monday 27 April) complete by %s, want 2026-05-27", got)
	}
	if end := cal.CompleteByEnd(apr, Digital); !end.Equal(time.Date(2026, time.May, 26, 0, 0, 0, 0, Oslo)) {
		t.Errorf("complete-by day ends %v, want midnight after 25 May", end)
	}
	if m, err := ParseMonth("2026-04"); err != nil || m != apr {
		t.Errorf("ParseMonth(2026-04) = %v, %v", m, err)
	}
	for _, bad := range []string{"", "2026-4", "2026-13", "april"} {
		if _, err := ParseMonth(bad); err == nil {
			t.Errorf("ParseMonth(%q) accepted", bad)
		}
	}
}
