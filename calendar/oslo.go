package calendar

import (
	"fmt"
	"time"
	_ "time/tzdata" // the zone is the same wherever the server runs
)

// Oslo is Norway's time zone.
var Oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time/tzdata is embedded, so this cannot happen at run time.
		panic(fmt.Sprintf("calendar: load %s: %v", name, err))
	}
	return loc
}

// Day is the Norwegian calendar day of an instant: midnight in Oslo.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Oslo)
}
