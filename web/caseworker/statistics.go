package caseworker

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/forms/answer"
)

// The statistics page (/caseworker/statistics) is for the kommune's
// leaders: the figures of her kommuner over a period of application months,
// as charts and as a table with every figure. What each figure means is the
// engine's (engine/casework/statistics.go); the page reads no personal data,
// so it is no view to audit.

// statisticsChoices is how many months back the period may begin: three
// years, beyond which a table of months stops being read.
const statisticsChoices = 36

// agencyReasonsShown is how many of the agency's reasons are listed by
// name; the rest are counted together.
const agencyReasonsShown = 10

type statisticsView struct {
	From, To   string
	Kommune    string
	FromMonths []option
	ToMonths   []option
	Kommuner   []option // her kommuner, when she has more than one
	Units      []option // the units she may narrow to, where her kommuner are divided
	Scope      string   // the kommuner counted, in words
	Rows       []statisticsRow
	Total      statisticsRow
	Unit       string // the unit of the time charts: "timer" or "dager"
	Charts     []chart
	Agency     []rejectionRow
	Kommunes   []rejectionRow
}

// statisticsRow is one month's figures (or the period's), formatted.
type statisticsRow struct {
	Month                                      string
	Digital, Paper, Applications, Routed       string
	Share                                      string
	Delivered, DeliveryMedian, DeliveryP90     string
	Queued, QueueMedian, QueueP90              string
	RejectedByAgency, RejectedByKommune, Total string
}

type rejectionRow struct {
	Reason string
	N      int
}

func (h *Handler) statisticsPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	q := r.URL.Query()
	latest := h.cfg.Calendar.ApplicationMonth(h.cfg.Clock(), calendar.Digital)
	var months []string // the choices, newest first
	for i := range statisticsChoices {
		months = append(months, addMonths(latest, -i).String())
	}
	pick := func(value, fallback string) string {
		if slices.Contains(months, value) {
			return value
		}
		return fallback
	}
	v := statisticsView{To: pick(q.Get("to"), latest.String())}
	to, _ := calendar.ParseMonth(v.To)
	v.From = pick(q.Get("from"), addMonths(to, -11).String())
	if v.From > v.To {
		v.From, v.To = v.To, v.From
	}
	from, _ := calendar.ParseMonth(v.From)
	to, _ = calendar.ParseMonth(v.To)
	for _, m := range months {
		v.FromMonths = append(v.FromMonths, option{Value: m, Label: monthLabel(m), Selected: m == v.From})
		v.ToMonths = append(v.ToMonths, option{Value: m, Label: monthLabel(m), Selected: m == v.To})
	}
	kommuner := u.Kommuner
	if k := q.Get("kommune"); u.Sees(k) {
		kommuner, v.Kommune = []string{k}, k
	}
	if len(u.Kommuner) > 1 {
		v.Kommuner = append(v.Kommuner, option{Value: "", Label: nb("Alle mine kommuner"), Selected: v.Kommune == ""})
		for _, k := range u.Kommuner {
			v.Kommuner = append(v.Kommuner, option{Value: k, Label: h.kommune(k), Selected: v.Kommune == k})
		}
	}
	for i, k := range kommuner {
		if i > 0 {
			v.Scope += ", "
		}
		v.Scope += h.kommune(k)
	}
	// Her units bound the figures as they bound her list; she may narrow
	// them to one unit.
	filter := casework.StatisticsFilter{Kommuner: kommuner, Units: u.Units, From: from, To: to}
	if pairs := h.unitPairs(u); len(pairs) > 1 {
		unit := q.Get("unit")
		v.Units = append(v.Units, option{Value: "", Label: nb("Alle"), Selected: unit == ""})
		for _, p := range pairs {
			if p[0] == unit {
				filter.Unit, v.Scope = p[0], v.Scope+", "+p[1]
				if unit == "none" {
					filter.Unit = casework.NoUnit
				}
			}
			v.Units = append(v.Units, option{Value: p[0], Label: p[1], Selected: p[0] == unit})
		}
	}
	stats, err := h.store.Casework.Statistics(r.Context(), filter)
	if err != nil {
		return err
	}
	h.statisticsFigures(h.langOf(r), &v, stats)
	h.render(w, r, http.StatusOK, "statistics", view{Title: nb("Statistikk"), User: &u, Data: v})
	return nil
}

// statisticsFigures fills the view's table, charts and rejections.
func (h *Handler) statisticsFigures(lang string, v *statisticsView, s casework.Statistics) {
	t := func(nb string) string { return translate(lang, nb) }
	longest := time.Duration(0)
	for _, f := range s.Months {
		longest = max(longest, f.ToDelivery.P90, f.InQueue.P90)
	}
	unit, per := t("timer"), time.Hour
	if longest > 72*time.Hour {
		unit, per = t("dager"), 24*time.Hour
	}
	v.Unit = unit
	var months []string
	var digital, paper, share, delMedian, delP90, queueMedian, queueP90 []float64
	for _, f := range s.Months {
		v.Rows = append(v.Rows, figuresRow(lang, f))
		months = append(months, f.Month)
		digital, paper = append(digital, float64(f.Digital)), append(paper, float64(f.Paper))
		sh, _ := f.StraightThroughShare()
		share = append(share, sh*100)
		delMedian, delP90 = append(delMedian, float64(f.ToDelivery.Median)/float64(per)), append(delP90, float64(f.ToDelivery.P90)/float64(per))
		queueMedian, queueP90 = append(queueMedian, float64(f.InQueue.Median)/float64(per)), append(queueP90, float64(f.InQueue.P90)/float64(per))
	}
	v.Total = figuresRow(lang, s.Total)
	period := fmt.Sprintf(t("fra %s til %s"), monthLabel(v.From), monthLabel(v.To))
	table := " " + t("Alle tallene står i tabellen «Tall per måned» under.")
	count := axis{Format: func(f float64) string { return answer.Grouped(fmt.Sprintf("%.0f", f)) }, MinStep: 1}
	percent := axis{Format: func(f float64) string { return fmt.Sprintf("%.0f %%", f) }, MinStep: 1, Top: 100}
	inUnit := axis{Format: decimal, MinStep: 0.1} // six minutes, or 2.4 hours
	v.Charts = []chart{
		barChart("applications", t("Søknader per måned"),
			fmt.Sprintf(t("Stablede søyler, én per måned %s: digitale og papirsøknader. I alt %s søknader, %s digitale og %s på papir.%s"),
				period, v.Total.Applications, v.Total.Digital, v.Total.Paper, table),
			months, true, count,
			series{"cw-bar-digital", t("Digitale"), digital}, series{"cw-bar-paper", t("Papir"), paper}),
		barChart("straight", t("Andel rett gjennom (prosent av rutede)"),
			fmt.Sprintf(t("Søyler, én per måned %s: andelen av søknadene reglene har rutet som aldri trengte en saksbehandler. For hele perioden %s.%s"),
				period, orDash(v.Total.Share), table),
			months, false, percent, series{"cw-bar-digital", t("Rett gjennom"), share}),
		barChart("delivery", t("Fra innsendt til levert til etaten")+" ("+unit+")",
			fmt.Sprintf(t("Søyler i par, én per måned %s: medianen og 90-persentilen. For hele perioden median %s og 90-persentil %s.%s"),
				period, orDash(v.Total.DeliveryMedian), orDash(v.Total.DeliveryP90), table),
			months, false, inUnit,
			series{"cw-bar-median", nb("Median"), delMedian}, series{"cw-bar-p90", t("90 % innen"), delP90}),
		barChart("queue", t("Tid i saksbehandlerkøen")+" ("+unit+")",
			fmt.Sprintf(t("Søyler i par, én per måned %s: medianen og 90-persentilen for søknadene som har vært i køen og er ute av den. For hele perioden median %s og 90-persentil %s.%s"),
				period, orDash(v.Total.QueueMedian), orDash(v.Total.QueueP90), table),
			months, false, inUnit,
			series{"cw-bar-median", nb("Median"), queueMedian}, series{"cw-bar-p90", t("90 % innen"), queueP90}),
	}
	for _, r := range s.Total.Rejections {
		switch {
		case r.By == casework.RejectedByKommune:
			label := h.reasonLabel(lang, r.Reason)
			if r.Reason == "" {
				label = t("Ingen regel (kom til behandling av andre grunner)")
			}
			v.Kommunes = append(v.Kommunes, rejectionRow{label, r.N})
		case len(v.Agency) < agencyReasonsShown:
			v.Agency = append(v.Agency, rejectionRow{cmp.Or(r.Reason, t("Uten begrunnelse")), r.N})
		case len(v.Agency) == agencyReasonsShown:
			v.Agency = append(v.Agency, rejectionRow{t("Andre årsaker"), r.N})
		default:
			v.Agency[agencyReasonsShown].N += r.N
		}
	}
}

func figuresRow(lang string, f casework.Figures) statisticsRow {
	t := func(nb string) string { return translate(lang, nb) }
	n := func(i int) string { return answer.Grouped(fmt.Sprint(i)) }
	row := statisticsRow{Month: f.Month, Digital: n(f.Digital), Paper: n(f.Paper), Applications: n(f.Applications()), Routed: n(f.Routed),
		Delivered: n(f.ToDelivery.N), Queued: n(f.InQueue.N),
		RejectedByAgency: n(f.RejectedByAgency), RejectedByKommune: n(f.RejectedByKommune), Total: n(f.RejectedByAgency + f.RejectedByKommune)}
	if share, ok := f.StraightThroughShare(); ok {
		row.Share = fmt.Sprintf("%.0f %%", share*100)
	}
	if f.ToDelivery.N > 0 {
		row.DeliveryMedian, row.DeliveryP90 = durationText(t, f.ToDelivery.Median), durationText(t, f.ToDelivery.P90)
	}
	if f.InQueue.N > 0 {
		row.QueueMedian, row.QueueP90 = durationText(t, f.InQueue.Median), durationText(t, f.InQueue.P90)
	}
	return row
}

// durationText is a time span in words, as precise as a leader needs it:
// "40 min", "5,5 timer", "3,2 dager".
func durationText(t func(string) string, d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	case d < 48*time.Hour:
		return decimal(math.Round(d.Hours()*10)/10) + " " + t("timer")
	}
	return decimal(math.Round(d.Hours()/24*10)/10) + " " + t("dager")
}

func orDash(s string) string { return cmp.Or(s, "–") }

// addMonths is the month n months after m (before, for a negative n).
func addMonths(m calendar.Month, n int) calendar.Month {
	return calendar.MonthOf(m.First().AddDate(0, n, 0))
}
