package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/skjema/skjema/engine"
)

// metrics are the queue's: what its jobs did (counted by River middleware,
// around every worker), what the purge removed, and failed pushes.
type metrics struct {
	jobs         *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	jobWait      *prometheus.HistogramVec
	purged       *prometheus.CounterVec
	pushFailures *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skjema_jobs_total", Help: "Jobs worked, by kind and outcome (ok, error).",
		}, []string{"kind", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skjema_job_duration_seconds", Help: "How long a job took to work, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		jobWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skjema_job_wait_seconds", Help: "How long a job waited from when it was due until a worker took it, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skjema_purged_total", Help: "What the retention purge removed, by kind (draft, file, session, batch_body, upload_chunk).",
		}, []string{"kind"}),
		pushFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skjema_push_failures_total", Help: "Pushes of a batch that failed (the agency answered an error or did not answer), by agency.",
		}, []string{"agency"}),
	}
	if reg != nil {
		reg.MustRegister(m.jobs, m.jobDuration, m.jobWait, m.purged, m.pushFailures)
	}
	return m
}

// age is how long ago t was, in seconds; 0 for none.
func (g *gauges) age(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return max(0, g.now().Sub(t).Seconds())
}

// jobMetrics is River worker middleware: it times and counts every job,
// whatever its worker.
type jobMetrics struct {
	river.MiddlewareDefaults
	m   *metrics
	log *slog.Logger
}

func (j *jobMetrics) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	start := time.Now()
	if wait := start.Sub(job.ScheduledAt); wait >= 0 {
		j.m.jobWait.WithLabelValues(job.Kind).Observe(wait.Seconds())
	}
	outcome := "error" // unless doInner returns nil: a panic is an error too
	defer func() {
		j.m.jobDuration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
		j.m.jobs.WithLabelValues(job.Kind, outcome).Inc()
		if outcome == "error" && !errors.As(err, new(reported)) {
			// River's own line for this is DEBUG (riverChatter); the
			// operator's is here, once for every kind of job, unless the
			// worker has said it better.
			why := "panicked"
			if err != nil {
				why = scrub(err.Error())
			}
			j.log.WarnContext(ctx, "job failed", "kind", job.Kind, "attempt", job.Attempt, "max_attempts", job.MaxAttempts,
				"last_attempt", job.Attempt >= job.MaxAttempts, "error", why)
		}
	}()
	err = doInner(ctx)
	if err == nil {
		outcome = "ok"
	}
	return err
}

// reported is a job's error that its worker has logged already, with more
// than the middleware knows (the batch, the agency's answer): the middleware
// counts it and does not log it again.
type reported struct{ error }

func (e reported) Unwrap() error { return e.error }

// gauges is a collector that reads the engine's gauges when scraped: the
// applications and batches by status, the age of the oldest undelivered
// application, and the job queue's depth.
type gauges struct {
	store *engine.Store
	log   *slog.Logger
	now   func() time.Time

	applications, batches, oldest, oldestSealed, jobs, up *prometheus.Desc
}

func newGauges(store *engine.Store, log *slog.Logger, now func() time.Time) *gauges {
	return &gauges{store: store, log: log, now: now,
		applications: prometheus.NewDesc("skjema_applications", "Applications, by status.", []string{"status"}, nil),
		batches:      prometheus.NewDesc("skjema_batches", "Batches, by status (open, sealed, delivered, failed).", []string{"status"}, nil),
		oldest: prometheus.NewDesc("skjema_oldest_undelivered_seconds",
			"Age of the oldest application on its way to its agency without a person's turn (submitted and not routed, or batched); 0 when there is none.", nil, nil),
		oldestSealed: prometheus.NewDesc("skjema_oldest_sealed_batch_seconds",
			"Age of the oldest sealed batch not yet delivered to (or fetched by) its agency; 0 when there is none.", nil, nil),
		jobs: prometheus.NewDesc("skjema_job_queue_depth", "Jobs not yet done, by kind and state (available, scheduled, running, retryable).", []string{"kind", "state"}, nil),
		up:   prometheus.NewDesc("skjema_gauges_up", "1 when the gauges could be read from the database at this scrape, else 0.", nil, nil),
	}
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.applications, g.batches, g.oldest, g.oldestSealed, g.jobs, g.up} {
		ch <- d
	}
}

// applicationStatuses and batchStatuses are reported even at zero, so that
// an alert on one of them has a series to read from the start.
var (
	applicationStatuses = []string{"draft", "submitted", "in_review", "awaiting_citizen", "batched", "delivered", "accepted", "rejected", "withdrawn", "recommended", "granted"}
	batchStatuses       = []string{"open", "sealed", "delivered", "failed"}
)

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := g.store.Gauges(ctx)
	if err != nil {
		g.log.WarnContext(ctx, "the metrics' gauges could not be read", "error", err)
		ch <- prometheus.MustNewConstMetric(g.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.up, prometheus.GaugeValue, 1)
	for _, s := range applicationStatuses {
		ch <- prometheus.MustNewConstMetric(g.applications, prometheus.GaugeValue, float64(v.Applications[s]), s)
	}
	for _, s := range batchStatuses {
		ch <- prometheus.MustNewConstMetric(g.batches, prometheus.GaugeValue, float64(v.Batches[s]), s)
	}
	ch <- prometheus.MustNewConstMetric(g.oldest, prometheus.GaugeValue, g.age(v.OldestUndelivered))
	ch <- prometheus.MustNewConstMetric(g.oldestSealed, prometheus.GaugeValue, g.age(v.OldestSealed))
	for _, j := range v.Jobs {
		ch <- prometheus.MustNewConstMetric(g.jobs, prometheus.GaugeValue, float64(j.N), j.Kind, j.State)
	}
}
