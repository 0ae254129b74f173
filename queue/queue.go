// Package queue moves applications after they are submitted, on River: the
// client for the store's database (riversqlite on SQLite, riverpgxv5 on
// PostgreSQL, chosen once in New), the job kinds (route, seal, deliver,
// purge), the transports to agencies, and the engine.Enqueuer that inserts
// the engine's jobs in the engine's own transactions.
//
// queue owns what happens between a committed submission and the agency's
// receipt. It does not own the application's data or lifecycle rules: those
// are engine's, and queue changes state only through engine. Nor does it own
// the calendar: the monthly cut-off it seals by is calendar.Calendar's.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/notify"
)

// Config for the queue.
type Config struct {
	// Store is the application store; River shares its database (on SQLite,
	// its one writer connection).
	Store *engine.Store
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Workers is how many jobs run at once. Defaults to 20.
	Workers int
	// FetchCooldown is the least time between two fetches of available
	// jobs. River's default of 100 ms caps a client at about 1,000 jobs/s per
	// queue; defaults here to 5 ms.
	FetchCooldown time.Duration
	// FetchPollInterval is how often to look for jobs when not told of new
	// ones. SQLite has no LISTEN/NOTIFY, so it relies on this. Defaults to
	// 50 ms.
	FetchPollInterval time.Duration
	// Registerer receives the job metrics and the gauges read from the
	// database at each scrape (applications and batches by status, the
	// oldest undelivered application, the job queue's depth), and the
	// statistics page's figures per kommune and month (read at most every
	// five minutes). Defaults to none.
	Registerer prometheus.Registerer

	// Forms gives each form's routing rules and agency. Required to route.
	Forms *forms.Registry
	// Agencies says how each agency receives batches, by agency id. An
	// agency not listed pulls.
	Agencies map[string]Agency
	// Calendar is the monthly deadline batches are sealed by. Defaults to
	// the 25th, moved to the next working day.
	Calendar calendar.Calendar
	// BatchSize seals a batch when it holds this many applications.
	// Defaults to 500.
	BatchSize int
	// BatchMaxAge seals a batch this long after it opened. Defaults to 15
	// minutes.
	BatchMaxAge time.Duration
	// SealInterval is how often due batches are looked for. Defaults to 1
	// minute.
	SealInterval time.Duration
	// RouteAttempts is how often routing is tried before the application is
	// handed to the exception queue as routing.failed. With the default
	// RetryPolicy the attempts span about 1 hour 25 minutes. Defaults to
	// 25.
	RouteAttempts int
	// DeliverAttempts is how often a push is tried before its batch is
	// given up and its applications return to review. With the default
	// RetryPolicy the attempts span about a day (the first nine within
	// 9 minutes, then one every 5 minutes), so an agency down for less than
	// a day gets every batch, each within 5 minutes of its return. Defaults
	// to 300.
	DeliverAttempts int
	// RetryPolicy decides when a failed job runs again. Defaults to an
	// exponential backoff from 1 second capped at 5 minutes, with up to 10 %
	// jitter (not River's attempt⁴ seconds, which waits hours after the 10th
	// attempt).
	RetryPolicy river.ClientRetryPolicy
	// RescueAfter is how long a job may run before it is taken as lost (its
	// node died) and run again. Jobs time out at half of it. Defaults to 2
	// minutes.
	RescueAfter time.Duration
	// HTTPClient pushes batches. Defaults to a client whose timeout is a
	// quarter of RescueAfter, at most 30 s.
	HTTPClient *http.Client
	// Clock defaults to time.Now.
	Clock func() time.Time
	// Retention says how long drafts, delivered batches' bodies and
	// unfinished uploads are kept; see engine.Retention for its defaults.
	Retention engine.Retention
	// PurgeInterval is how often what is past its retention is removed.
	// Defaults to 1 hour.
	PurgeInterval time.Duration
	// Notifier sends citizens their notices (package notify). Defaults to
	// none: notices are recorded as not sent (no-channel).
	Notifier notify.Channel
	// ReadURL is where a notice tells the citizen to sign in and read more
	// (the kommune's page with the form). Empty: "where you applied".
	ReadURL string
	// NotifyAttempts is how often a notice is tried before it is given up
	// (failed, for the operator to see). With the default RetryPolicy the
	// attempts span about a day. Defaults to 300.
	NotifyAttempts int
}

// Default attempt counts; see Config for what they mean in time.
const (
	defaultRouteAttempts   = 25
	defaultDeliverAttempts = 300
	defaultNotifyAttempts  = 300
)

// Queue is River wired to the store.
type Queue struct {
	cfg     Config
	store   *engine.Store
	log     *slog.Logger
	river   riverClient
	metrics *metrics
}

// New builds the River client for the store's database. It does not start
// workers; call Start.
func New(cfg Config) (*Queue, error) {
	if cfg.Store == nil || cfg.Forms == nil {
		return nil, errors.New("queue: Store and Forms are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 20
	}
	if cfg.FetchCooldown <= 0 {
		cfg.FetchCooldown = 5 * time.Millisecond
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = 50 * time.Millisecond
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.BatchMaxAge <= 0 {
		cfg.BatchMaxAge = 15 * time.Minute
	}
	if cfg.SealInterval <= 0 {
		cfg.SealInterval = time.Minute
	}
	if cfg.RouteAttempts <= 0 {
		cfg.RouteAttempts = defaultRouteAttempts
	}
	if cfg.NotifyAttempts <= 0 {
		cfg.NotifyAttempts = defaultNotifyAttempts
	}
	if cfg.DeliverAttempts <= 0 {
		cfg.DeliverAttempts = defaultDeliverAttempts
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = 2 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: min(30*time.Second, cfg.RescueAfter/4)}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.PurgeInterval <= 0 {
		cfg.PurgeInterval = time.Hour
	}
	if cfg.RetryPolicy == nil {
		cfg.RetryPolicy = cappedBackoff{now: cfg.Clock}
	}
	cfg.Calendar = cfg.Calendar.WithDefaults()
	if err := cfg.Calendar.Validate(); err != nil {
		return nil, fmt.Errorf("queue: calendar: %w", err)
	}
	for id, a := range cfg.Agencies {
		switch a.Transport {
		case "", TransportPull:
		case TransportPush:
			if a.URL == "" || a.Secret == "" {
				return nil, fmt.Errorf("queue: agency %s pushes, so it needs a url and a secret", id)
			}
		default:
			return nil, fmt.Errorf("queue: agency %s: unknown transport %q", id, a.Transport)
		}
	}
	q := &Queue{cfg: cfg, store: cfg.Store, log: cfg.Logger, metrics: newMetrics(cfg.Registerer)}
	// Every series an alert reads exists from the start, at zero, so that
	// increase() sees the first failure.
	for _, kind := range []string{RouteArgs{}.Kind(), SealArgs{}.Kind(), DeliverArgs{}.Kind(), PurgeArgs{}.Kind(), NotifyArgs{}.Kind()} {
		q.metrics.jobs.WithLabelValues(kind, "ok")
		q.metrics.jobs.WithLabelValues(kind, "error")
	}
	for name, a := range cfg.Agencies {
		if a.Transport == TransportPush {
			q.metrics.pushFailures.WithLabelValues(name)
		}
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(newGauges(cfg.Store, cfg.Logger, cfg.Clock)); err != nil {
			return nil, fmt.Errorf("queue: register the gauges: %w", err)
		}
		if err := cfg.Registerer.Register(newStatistics(cfg.Store, cfg.Calendar, cfg.Logger, cfg.Clock)); err != nil {
			return nil, fmt.Errorf("queue: register the statistics: %w", err)
		}
	}
	workers := river.NewWorkers()
	for _, add := range []func() error{
		func() error { return river.AddWorkerSafely(workers, &routeWorker{q: q}) },
		func() error { return river.AddWorkerSafely(workers, &sealWorker{q: q}) },
		func() error { return river.AddWorkerSafely(workers, &deliverWorker{q: q}) },
		func() error { return river.AddWorkerSafely(workers, &purgeWorker{q: q}) },
		func() error { return river.AddWorkerSafely(workers, &notifyWorker{q: q}) },
	} {
		if err := add(); err != nil {
			return nil, err
		}
	}
	rc := &river.Config{
		Logger:            slog.New(riverChatter{cfg.Logger.Handler()}),
		Middleware:        []rivertype.Middleware{&jobMetrics{m: q.metrics, log: cfg.Logger}},
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		FetchCooldown:     cfg.FetchCooldown,
		FetchPollInterval: cfg.FetchPollInterval,
		// A job that keeps failing is discarded after this many tries; the
		// deliver job returns its applications to review on its last try.
		MaxAttempts: 25,
		RetryPolicy: cfg.RetryPolicy,
		// A node killed mid-job leaves its jobs running; another node (or
		// this one, restarted) runs them again after this long.
		JobTimeout:           cfg.RescueAfter / 2,
		RescueStuckJobsAfter: cfg.RescueAfter,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.SealInterval), func() (river.JobArgs, *river.InsertOpts) {
				return SealArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(cfg.PurgeInterval), func() (river.JobArgs, *river.InsertOpts) {
				return PurgeArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
	var err error
	if db := cfg.Store.SQLDB(); db != nil {
		q.river, err = newClient(riversqlite.New(db), engine.Tx.SQLTx, rc)
	} else {
		q.river, err = newClient(riverpgxv5.New(cfg.Store.PgxPool()), engine.Tx.PgxTx, rc)
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Migrate applies River's own migrations.
func (q *Queue) Migrate(ctx context.Context) error { return q.river.migrate(ctx) }

// Start starts the workers.
func (q *Queue) Start(ctx context.Context) error { return q.river.Start(ctx) }

// Stop lets running jobs finish, until ctx is done.
func (q *Queue) Stop(ctx context.Context) error { return q.river.Stop(ctx) }

// StopAndCancel cancels the context of every running job and waits, until
// ctx is done, for them to return: for when Stop ran out of time.
func (q *Queue) StopAndCancel(ctx context.Context) error { return q.river.StopAndCancel(ctx) }

// InsertJobs inserts the engine's jobs in the engine's transaction, just
// before it commits (engine.Enqueuer), so a job exists exactly when its
// cause was committed: one route job for the submits of the write (on
// SQLite a whole group commit's), a delivery for each seal.
func (q *Queue) InsertJobs(ctx context.Context, tx engine.Tx, jobs []engine.Job) error {
	var params []river.InsertManyParams
	var route RouteArgs // the routes of one write are one job
	for _, j := range jobs {
		switch j.Kind {
		case engine.JobRoute:
			route.ApplicationIDs = append(route.ApplicationIDs, j.ID)
		case engine.JobDeliver:
			params = append(params, river.InsertManyParams{Args: DeliverArgs{BatchID: j.ID}, InsertOpts: &river.InsertOpts{MaxAttempts: q.cfg.DeliverAttempts}})
		case engine.JobNotify:
			params = append(params, river.InsertManyParams{Args: NotifyArgs{NoticeID: j.ID}, InsertOpts: &river.InsertOpts{MaxAttempts: q.cfg.NotifyAttempts}})
		default:
			return fmt.Errorf("queue: no job kind %q", j.Kind)
		}
	}
	if len(route.ApplicationIDs) > 0 {
		params = append(params, river.InsertManyParams{Args: route, InsertOpts: &river.InsertOpts{MaxAttempts: q.cfg.RouteAttempts}})
	}
	return q.river.insertManyTx(ctx, tx, params)
}
