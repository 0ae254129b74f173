package calendar

import (
	"fmt"
	"time"
)

// Month is the month an application is for (søknadsmåned). Its 1st is the
// situasjonsdato: "Den første i kvar månad er utgangspunktet for alle
// opplysningar om husstanden og bustaden" (forskrift om bustøtte § 10,
// ../shared/domain [V-2.2.3]); age and household are judged as of that day.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the calendar month t falls in, in Oslo.
func MonthOf(t time.Time) Month {
	y, m, _ := t.In(Oslo).Date()
	return Month{y, m}
}

// ParseMonth reads "2026-05".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("%q is not a month (yyyy-mm)", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

// String is the month as yyyy-mm, as it is stored and sent.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// IsZero tells the zero Month (no month decided).
func (m Month) IsZero() bool { return m == Month{} }

// First is midnight in Oslo at the start of the month: the situasjonsdato.
func (m Month) First() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, Oslo) }

// Next is the month after.
func (m Month) Next() Month { return MonthOf(m.First().AddDate(0, 1, 0)) }

// Channel is how an application reached the kommune. The deadline differs:
// "Hvis den 25. faller på lørdag, søndag eller helligdag, blir
// søknadsfristen den påfølgende virkedagen, dette gjelder kun de som søker
// på papir" (Husbanken, ../shared/domain [V-frist][V-frist2]). A digital
// application's deadline is the deadline day itself.
type Channel string

const (
	Digital Channel = "digital" // the citizen's own, through the widget or the API
	Paper   Channel = "paper"   // a paper application the kommune registers
)

// DeadlineIn is a month's deadline for a channel: the deadline day itself
// for a digital application, moved to the next working day for paper.
func (c Calendar) DeadlineIn(m Month, ch Channel) time.Time {
	if ch == Paper {
		return c.Deadline(m.Year, m.Month)
	}
	c = c.WithDefaults()
	return time.Date(m.Year, m.Month, c.DeadlineDay, 0, 0, 0, 0, c.Location)
}

// ApplicationMonth is the month an application that is complete at t is
// for: the first month whose deadline (for its channel) has not ended by t.
// 25 April 2026 is a Saturday, so a digital application on Sunday 26 April
// is for May, and a paper one registered on Monday 27 April still for April.
func (c Calendar) ApplicationMonth(t time.Time, ch Channel) Month {
	m := MonthOf(t)
	// A paper deadline moved past the month's end (a late deadline day on a
	// weekend) still holds the month before for those days.
	prev := MonthOf(m.First().AddDate(0, 0, -1))
	if t.Before(c.DeadlineIn(prev, ch).AddDate(0, 0, 1)) {
		return prev
	}
	if t.Before(c.DeadlineIn(m, ch).AddDate(0, 0, 1)) {
		return m
	}
	return m.Next()
}

// CompleteBy is the last day an application for m, returned to the citizen
// for correction, may be completed and still count for m: "Blir søknaden
// retta innan éin månad etter søknadsfristen, blir han likevel rekna som
// komen innan fristen" (forskrift om bustøtte § 9, ../shared/domain
// [V-frist]). The sources do not say whether the day a month after is
// itself within; it is taken as within (the whole of that day counts).
func (c Calendar) CompleteBy(m Month, ch Channel) time.Time {
	return c.DeadlineIn(m, ch).AddDate(0, 1, 0)
}

// CompleteByEnd is the instant CompleteBy's day ends: a completion before it
// keeps the month.
func (c Calendar) CompleteByEnd(m Month, ch Channel) time.Time {
	return c.CompleteBy(m, ch).AddDate(0, 0, 1)
}
