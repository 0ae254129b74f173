package casework

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/units"
)

// The statistics are for a kommune's leaders (issue #16 item 4): how many
// applied, how many the rules let through without a caseworker, how long
// the road to the agency took, and who rejected what. They are counted
// from the applications' audit events, whose meaning is fixed here:
//
//   - An application counts for the month it is for (application_month, as
//     Husbanken counts it), or, submitted before that was kept, the month it
//     was submitted in (Oslo).
//   - Routed: the routing rules have decided on it (it has a "route"
//     event).
//   - Straight through: routed, and never in a caseworker's queue. It is in
//     the queue while it is in review (whatever sent it there: a routing
//     rule, a failed delivery, a resubmission, a reopen) and while the
//     agency's rejection of it waits for a caseworker (from the receipt
//     until she confirms it or reopens it). So an application the agency
//     rejects later stops being straight through: a caseworker had to look
//     at it.
//   - Delivered: the first time the agency had it (a "deliver" move to
//     delivered: a push it answered, or its fetch of the batch). Submit to
//     delivery runs from submitted_at (the first submit; for paper, when it
//     was registered) to then, whatever happened between.
//   - Time in the queue: the sum of an application's stays in the queue,
//     counted once it has left the queue for good (one in it now has no
//     final figure yet). Waiting for the citizen is her turn, not counted.
//   - Rejections: each agency receipt that rejects, by its reason as the
//     agency wrote it (whitespace tidied); each rejection by a caseworker
//     of an application in review, by the reasons it was in review for (the
//     routing rules' codes; the caseworker's own words are free text and may
//     name the applicant, so they are not read). Confirming the agency's
//     rejection is not a rejection of the kommune's own.
//
// Medians and 90th percentiles are by nearest rank: a figure some
// application actually took. Nothing is read from the application's
// document or the messages to the citizen: statistics read no personal data
// and are not audited.

// Who rejected an application.
const (
	RejectedByAgency  = "agency"
	RejectedByKommune = "kommune"
)

// StatisticsFilter selects the applications the statistics count.
type StatisticsFilter struct {
	// Kommuner bound the statistics to a caseworker's kommuner. Empty counts
	// nothing, unless AllKommuner is set (for the operator's metrics).
	Kommuner    []string
	AllKommuner bool
	// Units narrow Kommuner to a caseworker's units, as Filter.Units:
	// give them with her Kommuner, always.
	Units []units.Ref
	// Unit counts only one unit's applications (its id, in any of the
	// kommuner), or with NoUnit those of no unit; empty counts all.
	Unit string
	// From and To are the first and the last month counted (application
	// months, inclusive). Both are required.
	From, To calendar.Month
	// ByKommune gives each kommune's figures apart; by default the
	// kommuner's figures are counted together and Kommune is empty.
	ByKommune bool
}

// Statistics are the figures of a period.
type Statistics struct {
	// Months are the figures of each month of the period, oldest first,
	// months without applications included; with ByKommune, each kommune
	// that has applications in the period has all its months, kommune by
	// kommune.
	Months []Figures
	// Total is the whole period, all the kommuner together.
	Total Figures
}

// Figures are one month's (or a period's) statistics.
type Figures struct {
	Kommune string // empty: the kommuner of the filter together
	Month   string // yyyy-mm; empty in a period's total
	// Digital and Paper count the applications by channel.
	Digital, Paper int
	// Routed counts those the routing rules have decided on, and
	// StraightThrough those of them that never were in a caseworker's queue.
	Routed, StraightThrough int
	// ToDelivery is submit to first delivery, of those delivered.
	ToDelivery Durations
	// InQueue is the time in the caseworker's queue, of those that were in
	// it and have left it.
	InQueue Durations
	// RejectedByAgency and RejectedByKommune count rejections.
	RejectedByAgency, RejectedByKommune int
	// Rejections are the rejections by who and reason, most first. A
	// kommune's rejection of an application in review for two reasons
	// counts under each; one in review for none under the reason "".
	Rejections []Rejection
}

// Applications counts the applications of both channels.
func (f Figures) Applications() int { return f.Digital + f.Paper }

// StraightThroughShare is the share of the routed that went straight
// through, from 0 to 1; ok is false when none were routed.
func (f Figures) StraightThroughShare() (share float64, ok bool) {
	if f.Routed == 0 {
		return 0, false
	}
	return float64(f.StraightThrough) / float64(f.Routed), true
}

// Durations summarise how long something took.
type Durations struct {
	N           int           // how many were measured
	Sum         time.Duration // all of them together
	Median, P90 time.Duration // by nearest rank; zero when N is 0
}

// Rejection counts rejections by one party for one reason.
type Rejection struct {
	By     string // RejectedByAgency or RejectedByKommune
	Reason string // the agency's words, or a routing rule's code
	N      int
}

// maxStatisticsMonths bounds a period: five years of months is more than a
// page of charts can show.
const maxStatisticsMonths = 60

// Statistics counts the applications of a filter's kommuner and months.
// It reads one row per status move of each application (a handful each)
// and counts in Go: percentiles are not SQL both databases share.
func (s *Service) Statistics(ctx context.Context, f StatisticsFilter) (Statistics, error) {
	months, err := monthsOf(f.From, f.To)
	if err != nil {
		return Statistics{}, err
	}
	out := Statistics{}
	if len(f.Kommuner) == 0 && !f.AllKommuner {
		out.Months = emptyMonths("", months)
		return out, nil
	}
	// Only status moves and rejections; a receipt's reason and nothing else
	// of any event's free text (a return's reason is the message to the
	// citizen).
	where := `a.status <> ? AND a.submitted_at IS NOT NULL
		AND (a.application_month BETWEEN ? AND ? OR (a.application_month = '' AND a.submitted_at >= ? AND a.submitted_at < ?))
		AND (e.from_status <> e.to_status OR e.action = ?)`
	args := []any{string(record.StatusDraft), f.From.String(), f.To.String(), f.From.First(), f.To.Next().First(), actionReject}
	if !f.AllKommuner {
		seen, kargs := seenBy("a.", f.Kommuner, f.Units)
		where += ` AND ` + seen
		args = append(args, kargs...)
	}
	switch f.Unit {
	case "":
	case NoUnit:
		where += ` AND a.unit IS NULL`
	default:
		where += ` AND a.unit = ?`
		args = append(args, f.Unit)
	}
	var rows []statisticsRow
	if err := s.db.Read().Select(ctx, &rows, `SELECT a.id, a.kommune, a.application_month, a.channel, a.review_reasons, a.submitted_at,
		e.action, e.from_status, e.to_status, CASE WHEN e.action = ? THEN e.reason ELSE '' END AS reason, e.at
		FROM applications a JOIN application_events e ON e.application_id = a.id
		WHERE `+where+` ORDER BY a.id, e.id`, append([]any{actionReceipt}, args...)...); err != nil {
		return Statistics{}, fmt.Errorf("statistics: %w", err)
	}
	groups := map[figuresKey]*tally{}
	tallyOf := func(k figuresKey) *tally {
		t := groups[k]
		if t == nil {
			t = &tally{Figures: Figures{Kommune: k.kommune, Month: k.month}, rejections: map[Rejection]int{}}
			groups[k] = t
		}
		return t
	}
	var kommuner []string
	for len(rows) > 0 {
		n := 1
		for n < len(rows) && rows[n].ID == rows[0].ID {
			n++
		}
		a := walk(rows[:n])
		rows = rows[n:]
		kommune := ""
		if f.ByKommune {
			kommune = a.kommune
			if !slices.Contains(kommuner, kommune) {
				kommuner = append(kommuner, kommune)
			}
		}
		tallyOf(figuresKey{kommune, a.month}).add(a)
		tallyOf(figuresKey{}).add(a)
	}
	if !f.ByKommune {
		kommuner = []string{""}
	}
	slices.Sort(kommuner)
	for _, k := range kommuner {
		for _, m := range months {
			if t := groups[figuresKey{k, m}]; t != nil {
				out.Months = append(out.Months, t.figures())
			} else {
				out.Months = append(out.Months, Figures{Kommune: k, Month: m})
			}
		}
	}
	if t := groups[figuresKey{}]; t != nil {
		out.Total = t.figures()
	}
	return out, nil
}

// The audit actions the statistics read.
const (
	actionRoute   = "route"   // the routing rules decided
	actionReceipt = "receipt" // the agency's decision
	actionReject  = "reject"  // a caseworker's rejection, or her confirmation of the agency's
)

// monthsOf lists the months from from to to, inclusive.
func monthsOf(from, to calendar.Month) ([]string, error) {
	if from.IsZero() || to.IsZero() {
		return nil, fmt.Errorf("%w: statistics need the first and the last month", fault.ErrInvalid)
	}
	var out []string
	for m := from; m.String() <= to.String(); m = m.Next() {
		if len(out) == maxStatisticsMonths {
			return nil, fmt.Errorf("%w: statistics cover at most %d months", fault.ErrInvalid, maxStatisticsMonths)
		}
		out = append(out, m.String())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the period ends (%s) before it begins (%s)", fault.ErrInvalid, to, from)
	}
	return out, nil
}

func emptyMonths(kommune string, months []string) []Figures {
	out := make([]Figures, len(months))
	for i, m := range months {
		out[i] = Figures{Kommune: kommune, Month: m}
	}
	return out
}

// statisticsRow is one status move of one application, with the
// application's columns the statistics need.
type statisticsRow struct {
	ID            string        `db:"id"`
	Kommune       string        `db:"kommune"`
	Month         string        `db:"application_month"`
	Channel       string        `db:"channel"`
	ReviewReasons string        `db:"review_reasons"`
	SubmittedAt   time.Time     `db:"submitted_at"`
	Action        string        `db:"action"`
	From          record.Status `db:"from_status"`
	To            record.Status `db:"to_status"`
	Reason        string        `db:"reason"`
	At            time.Time     `db:"at"`
}

// counted is what one application adds to the statistics.
type counted struct {
	kommune, month, channel string
	routed, queued          bool
	inQueueNow              bool
	toDelivery              time.Duration
	delivered               bool
	inQueue                 time.Duration
	// byAgency and byKommune count the rejections; rejections are their
	// reasons (a kommune's rejection has one per reason it was in review
	// for).
	byAgency, byKommune int
	rejections          []Rejection
}

// walk reads one application's moves, oldest first, by the definitions in
// the comment at the top of this file.
func walk(events []statisticsRow) counted {
	first := events[0]
	c := counted{kommune: first.Kommune, month: first.Month, channel: first.Channel}
	if c.month == "" {
		c.month = calendar.MonthOf(first.SubmittedAt).String()
	}
	var since time.Time
	for _, e := range events {
		switch {
		case e.Action == actionRoute:
			c.routed = true
		case e.To == record.StatusDelivered && e.From == record.StatusBatched && !c.delivered:
			c.delivered, c.toDelivery = true, e.At.Sub(first.SubmittedAt)
		}
		agencyRejected := e.Action == actionReceipt && e.To == record.StatusRejected
		switch {
		case agencyRejected:
			c.byAgency++
			c.rejections = append(c.rejections, Rejection{By: RejectedByAgency, Reason: strings.Join(strings.Fields(e.Reason), " ")})
		case e.Action == actionReject && e.From == record.StatusInReview:
			c.byKommune++
			for _, code := range strings.Split(first.ReviewReasons, ",") {
				c.rejections = append(c.rejections, Rejection{By: RejectedByKommune, Reason: code})
			}
		}
		in := e.To == record.StatusInReview || agencyRejected
		switch {
		case in && !c.inQueueNow:
			since, c.queued = e.At, true
		case !in && c.inQueueNow:
			c.inQueue += e.At.Sub(since)
		}
		c.inQueueNow = in
	}
	return c
}

type figuresKey struct{ kommune, month string }

// tally gathers the applications of one group of figures.
type tally struct {
	Figures
	toDelivery, inQueue []time.Duration
	rejections          map[Rejection]int // keyed with N zero
}

func (t *tally) add(c counted) {
	if c.channel == string(calendar.Paper) {
		t.Paper++
	} else {
		t.Digital++
	}
	if c.routed {
		t.Routed++
		if !c.queued {
			t.StraightThrough++
		}
	}
	if c.delivered {
		t.toDelivery = append(t.toDelivery, c.toDelivery)
	}
	if c.queued && !c.inQueueNow {
		t.inQueue = append(t.inQueue, c.inQueue)
	}
	t.RejectedByAgency += c.byAgency
	t.RejectedByKommune += c.byKommune
	for _, r := range c.rejections {
		t.rejections[r]++
	}
}

func (t *tally) figures() Figures {
	f := t.Figures
	f.ToDelivery, f.InQueue = summarise(t.toDelivery), summarise(t.inQueue)
	f.Rejections = nil
	for r, n := range t.rejections {
		r.N = n
		f.Rejections = append(f.Rejections, r)
	}
	slices.SortFunc(f.Rejections, func(a, b Rejection) int {
		return cmp.Or(cmp.Compare(a.By, b.By), cmp.Compare(b.N, a.N), cmp.Compare(a.Reason, b.Reason))
	})
	return f
}

// summarise sorts ds and gives their count, sum, median and 90th
// percentile by nearest rank.
func summarise(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	rank := func(p float64) time.Duration { return ds[int(math.Ceil(p*float64(len(ds))))-1] }
	return Durations{N: len(ds), Sum: sum, Median: rank(0.5), P90: rank(0.9)}
}
