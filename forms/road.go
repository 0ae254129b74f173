package forms

// Road is what a form's applications go through after submit: the form's
// configuration (layout.json "road"), so that no code names a form.
type Road string

const (
	// RoadAgency: the routing rules send an application straight into a
	// batch for the form's agency, or to the kommune's caseworkers first;
	// the agency decides it (bostøtte: Husbanken).
	RoadAgency Road = "agency"
	// RoadKommune: the kommune decides; every application goes to its
	// caseworkers, and no batch is made (startlån).
	RoadKommune Road = "kommune"
)

// Calendar is a form's application calendar.
type Calendar string

const (
	// CalendarMonthly: a monthly deadline decides the month applied for,
	// with the correction window after it (bostøtte).
	CalendarMonthly Calendar = "monthly"
	// CalendarNone: applications are handled as they come.
	CalendarNone Calendar = "none"
)

// Road is the form's road; the agency road where the layout names none.
func (f *Form) Road() Road {
	if f.Layout.Road == "" {
		return RoadAgency
	}
	return f.Layout.Road
}

// Calendar is the form's calendar: monthly where the layout names none on
// the agency road, none on the kommune's.
func (f *Form) Calendar() Calendar {
	switch {
	case f.Layout.Calendar != "":
		return f.Layout.Calendar
	case f.Road() == RoadKommune:
		return CalendarNone
	}
	return CalendarMonthly
}
