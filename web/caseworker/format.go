package caseworker

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms/answer"
)

var oslo = calendar.Oslo

var months = []string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"}
var weekdays = []string{nb("søndag"), nb("mandag"), nb("tirsdag"), nb("onsdag"), nb("torsdag"), nb("fredag"), nb("lørdag")}

// templateFuncs are the pages' helpers: Norwegian dates, status names.
var templateFuncs = template.FuncMap{
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return longDate(v)
		case *time.Time:
			if v != nil {
				return longDate(*v)
			}
		}
		return ""
	},
	"datetime": dateTime,
	"statusColor": func(s engine.Status) string {
		switch s {
		case engine.StatusRejected:
			return "danger"
		case engine.StatusAwaitingCitizen:
			return "warning"
		case engine.StatusInReview:
			return "info"
		case engine.StatusAccepted, engine.StatusBatched, engine.StatusDelivered:
			return "success"
		}
		return "neutral"
	},
	"deref": deref,
	"month": monthLabel,
	// bytes is a file's size as people read it: 193 B, 48 kB, 1,2 MB.
	"bytes": func(n int64) string {
		switch {
		case n < 1000:
			return fmt.Sprintf("%d\u00a0B", n)
		case n < 1000*1000:
			return fmt.Sprintf("%d\u00a0kB", (n+500)/1000)
		}
		return strings.Replace(fmt.Sprintf("%.1f\u00a0MB", float64(n)/1e6), ".", ",", 1)
	},
	// int64f is a whole number of kroner for kroner.
	"int64f": func(n int) float64 { return float64(n) },
	// amount is a recommendation's amount for kroner (0 for none).
	"amount": func(n *int64) float64 {
		if n == nil {
			return 0
		}
		return float64(*n)
	},
	// termText is a recommendation's term in years.
	"termText": func(n *int) *string {
		if n == nil {
			return nil
		}
		s := strconv.Itoa(*n)
		return &s
	},
	// shortDate is 02.12.2026, for a table.
	"shortDate": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(oslo).Format("02.01.2006")
	},
	"coord": coord,
	// lastDay is the day an instant that ends a day ends: the complete-by
	// day of the § 9 window, kept as the moment it is over.
	"lastDay": func(end *time.Time) string {
		if end == nil {
			return ""
		}
		return longDate(end.Add(-time.Nanosecond))
	},
	// kroner is "12 907 kr", rounded to whole kroner, grouped as in Norwegian.
	"kroner": func(v float64) string {
		return answer.Kroner(v)
	},
	"join":        strings.Join,
	"fieldID":     func(ptr string) string { return "f" + strings.NewReplacer("/", "-", "~", "_").Replace(ptr) },
	"actionable":  engine.Status.Workable,
	"previewable": previewable,
}

// monthLabel is "mai 2026" for the application month 2026-05.
func monthLabel(m string) string {
	pm, err := calendar.ParseMonth(m)
	if err != nil {
		return m
	}
	return fmt.Sprintf("%s %d", months[pm.Month-1], pm.Year)
}

// dateTime is "2. desember 2026 kl. 14:05", in Oslo.
func dateTime(t time.Time) string {
	l := t.In(oslo)
	return fmt.Sprintf("%s kl. %02d:%02d", longDate(l), l.Hour(), l.Minute())
}

// weekdayOf is the day of the week in bokmål: "mandag".
func weekdayOf(t any) string {
	if tt, ok := t.(time.Time); ok {
		return weekdays[tt.In(oslo).Weekday()]
	}
	return ""
}

func longDate(t time.Time) string {
	l := t.In(oslo)
	return fmt.Sprintf("%d. %s %d", l.Day(), months[l.Month()-1], l.Year())
}
