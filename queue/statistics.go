package queue

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
)

// statisticsEvery is how long the statistics are kept between scrapes:
// they read a row for every status move of a year's applications, and a
// leader's figures do not change by the minute, so a scrape every 15 s
// must not read them each time.
const statisticsEvery = 5 * time.Minute

// statistics is a collector of the caseworker UI's statistics page's
// figures (engine/casework/statistics.go says what each means) for every
// kommune, over the last 12 application months: for dashboards, not
// alerts. They are read from the database, so every node reports the
// same; take max() over nodes. No label holds personal data: the agency's
// reasons for its rejections are its own free text, written for the
// citizen, and are counted, not labelled.
type statistics struct {
	store *engine.Store
	cal   calendar.Calendar
	log   *slog.Logger
	now   func() time.Time

	mu     sync.Mutex
	readAt time.Time
	last   casework.Statistics

	applications, routed, straight, toDelivery, inQueue, rejections, reasons *prometheus.Desc
}

func newStatistics(store *engine.Store, cal calendar.Calendar, log *slog.Logger, now func() time.Time) *statistics {
	km := []string{"kommune", "month"}
	return &statistics{store: store, cal: cal, log: log, now: now,
		applications: prometheus.NewDesc("skjema_statistics_applications",
			"Applications by kommune, the month they are for (yyyy-mm), and channel (digital, paper); the last 12 months.", append(km, "channel"), nil),
		routed: prometheus.NewDesc("skjema_statistics_routed",
			"Applications the routing rules have decided on, by kommune and month.", km, nil),
		straight: prometheus.NewDesc("skjema_statistics_straight_through",
			"Routed applications that were never in a caseworker's queue (in review, or rejected by the agency and not yet settled), by kommune and month.", km, nil),
		toDelivery: prometheus.NewDesc("skjema_statistics_submit_to_delivery_seconds",
			"From submit to the agency's first receipt of the application, of those delivered, by kommune and month; quantiles by nearest rank.", km, nil),
		inQueue: prometheus.NewDesc("skjema_statistics_caseworker_queue_seconds",
			"Time in the caseworker's queue, summed over an application's stays, of those that were in it and have left it, by kommune and month; quantiles by nearest rank.", km, nil),
		rejections: prometheus.NewDesc("skjema_statistics_rejections",
			"Rejections by kommune, month and who rejected (agency, kommune); a kommune's confirmation of the agency's rejection is not its own.", append(km, "by"), nil),
		reasons: prometheus.NewDesc("skjema_statistics_kommune_rejection_reasons",
			"The kommune's rejections by the routing rule that sent the application to review (reason; empty: none); one with two reasons counts under each.", append(km, "reason"), nil),
	}
}

func (s *statistics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{s.applications, s.routed, s.straight, s.toDelivery, s.inQueue, s.rejections, s.reasons} {
		ch <- d
	}
}

// read answers the figures, from the database at most every
// statisticsEvery.
func (s *statistics) read() (casework.Statistics, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.readAt.IsZero() && !now.Before(s.readAt) && now.Sub(s.readAt) < statisticsEvery {
		return s.last, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	to := s.cal.ApplicationMonth(now, calendar.Digital)
	from := calendar.MonthOf(to.First().AddDate(0, -11, 0))
	st, err := s.store.Casework.Statistics(ctx, casework.StatisticsFilter{AllKommuner: true, ByKommune: true, From: from, To: to})
	if err != nil {
		s.log.WarnContext(ctx, "the metrics' statistics could not be read", "error", err)
		return casework.Statistics{}, false
	}
	s.last, s.readAt = st, now
	return st, true
}

func (s *statistics) Collect(ch chan<- prometheus.Metric) {
	st, ok := s.read()
	if !ok {
		return
	}
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	summary := func(d *prometheus.Desc, ds casework.Durations, labels ...string) {
		quantiles := map[float64]float64{}
		if ds.N > 0 {
			quantiles[0.5], quantiles[0.9] = ds.Median.Seconds(), ds.P90.Seconds()
		}
		ch <- prometheus.MustNewConstSummary(d, uint64(ds.N), ds.Sum.Seconds(), quantiles, labels...)
	}
	for _, f := range st.Months {
		k, m := f.Kommune, f.Month
		gauge(s.applications, f.Digital, k, m, string(calendar.Digital))
		gauge(s.applications, f.Paper, k, m, string(calendar.Paper))
		gauge(s.routed, f.Routed, k, m)
		gauge(s.straight, f.StraightThrough, k, m)
		summary(s.toDelivery, f.ToDelivery, k, m)
		summary(s.inQueue, f.InQueue, k, m)
		gauge(s.rejections, f.RejectedByAgency, k, m, casework.RejectedByAgency)
		gauge(s.rejections, f.RejectedByKommune, k, m, casework.RejectedByKommune)
		for _, r := range f.Rejections {
			if r.By == casework.RejectedByKommune {
				gauge(s.reasons, r.N, k, m, r.Reason)
			}
		}
	}
}
