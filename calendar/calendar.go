package calendar

import (
	"fmt"
	"time"
)

// Calendar is the monthly deadline of a form: applications complete by the
// deadline day count for that month (bostøtte: the 25th, DESIGN.md §2; it
// has changed before, so it is configuration). For a paper application,
// when the day falls on a weekend or a Norwegian public holiday the deadline
// moves to the next working day (Deadline); a digital one's does not
// (DeadlineIn, month.go). Batches open before a cut-off are sealed when it
// passes.
//
// The zero value is the 25th in Oslo with no extra closed days. A Calendar
// is a plain value: hold one per form, and check it once with Validate where
// it is configured.
type Calendar struct {
	// DeadlineDay of the month, 1 to 28 so that every month has it (Validate
	// refuses any other). Defaults to 25.
	DeadlineDay int
	// Location the deadline is kept in. Defaults to Europe/Oslo.
	Location *time.Location
	// Closed lists extra days that are not working days (yyyy-mm-dd).
	Closed []string
}

// maxDeadlineDay is the last day every month has: time.Date rolls a later
// one into the next month (the 30th of February is the 2nd of March).
const maxDeadlineDay = 28

// Validate refuses a calendar that would give wrong deadlines. A zero field
// stands for its default.
func (c Calendar) Validate() error {
	c = c.WithDefaults()
	if c.DeadlineDay < 1 || c.DeadlineDay > maxDeadlineDay {
		return fmt.Errorf("deadline day %d is not a day every month has: use 1 to %d", c.DeadlineDay, maxDeadlineDay)
	}
	for _, d := range c.Closed {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fmt.Errorf("closed day %q is not yyyy-mm-dd", d)
		}
	}
	return nil
}

// WithDefaults is c with each zero field set to its default.
func (c Calendar) WithDefaults() Calendar {
	if c.DeadlineDay == 0 {
		c.DeadlineDay = 25
	}
	if c.Location == nil {
		c.Location = Oslo
	}
	return c
}

// Deadline is the deadline day of a month, moved to the next working day.
func (c Calendar) Deadline(year int, month time.Month) time.Time {
	c = c.WithDefaults()
	d := time.Date(year, month, c.DeadlineDay, 0, 0, 0, 0, c.Location)
	for !c.WorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// Cutoff is the moment a month's deadline day ends.
func (c Calendar) Cutoff(year int, month time.Month) time.Time {
	return c.Deadline(year, month).AddDate(0, 0, 1)
}

// NextDeadline is the deadline day of the next cut-off after t: the day by
// which an application must be complete to count for the coming payment.
func (c Calendar) NextDeadline(t time.Time) time.Time {
	c = c.WithDefaults()
	local := t.In(c.Location)
	if cut := c.Cutoff(local.Year(), local.Month()); cut.After(t) {
		return c.Deadline(local.Year(), local.Month())
	}
	next := time.Date(local.Year(), local.Month()+1, 1, 0, 0, 0, 0, c.Location)
	return c.Deadline(next.Year(), next.Month())
}

// LastCutoff is the latest cut-off at or before t.
func (c Calendar) LastCutoff(t time.Time) time.Time {
	c = c.WithDefaults()
	local := t.In(c.Location)
	cut := c.Cutoff(local.Year(), local.Month())
	if cut.After(t) {
		prev := local.AddDate(0, 0, -local.Day()) // last day of the previous month
		cut = c.Cutoff(prev.Year(), prev.Month())
	}
	return cut
}

// WorkingDay is false on Saturdays, Sundays, Norwegian public holidays and
// the extra closed days.
func (c Calendar) WorkingDay(d time.Time) bool {
	c = c.WithDefaults()
	d = d.In(c.Location)
	if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		return false
	}
	day := d.Format(time.DateOnly)
	for _, closed := range c.Closed {
		if closed == day {
			return false
		}
	}
	_, holiday := PublicHolidays(d.Year())[day]
	return !holiday
}

// PublicHolidays are Norway's public holidays (helligdager and the two
// national days of lov om 1. og 17. mai) of a year, by date, with their names.
// A date that is two holidays (17 May 2027 is also Whit Monday) has the name
// of the later one in the year's order.
func PublicHolidays(year int) map[string]string {
	easter := Easter(year)
	days := map[string]string{}
	add := func(t time.Time, name string) { days[t.Format(time.DateOnly)] = name }
	date := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	add(date(time.January, 1), "Første nyttårsdag")
	add(easter.AddDate(0, 0, -3), "Skjærtorsdag")
	add(easter.AddDate(0, 0, -2), "Langfredag")
	add(easter, "Første påskedag")
	add(easter.AddDate(0, 0, 1), "Andre påskedag")
	add(date(time.May, 1), "Offentlig høytidsdag")
	add(date(time.May, 17), "Grunnlovsdag")
	add(easter.AddDate(0, 0, 39), "Kristi himmelfartsdag")
	add(easter.AddDate(0, 0, 49), "Første pinsedag")
	add(easter.AddDate(0, 0, 50), "Andre pinsedag")
	add(date(time.December, 25), "Første juledag")
	add(date(time.December, 26), "Andre juledag")
	return days
}

// Easter is Easter Sunday of a Gregorian year (the anonymous Gregorian
// algorithm, Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}
