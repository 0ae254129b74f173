// Package queuetest is for tests only: no production code imports it.
//
// Open gives a test the whole back end on one database: a migrated store,
// the shipped forms and a job queue with River migrated, set as the store's
// enqueuer, and started when the test asks. It is the one place the tests
// of engine, queue, web and cmd wire these together.
package queuetest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/queue"
)

// Bundle is a store, the forms and a queue on one test database.
type Bundle struct {
	enginetest.Bundle
	Queue *queue.Queue
}

// Option adjusts what Open builds.
type Option func(*options)

type options struct {
	engine []enginetest.Option
	queue  []func(*queue.Config)
	start  bool
}

// Engine passes options to enginetest.Open (clock, kommuner, password cost).
func Engine(opts ...enginetest.Option) Option {
	return func(o *options) { o.engine = append(o.engine, opts...) }
}

// Queue adjusts the queue's configuration; Store and Forms are already set.
func Queue(adjust func(*queue.Config)) Option {
	return func(o *options) { o.queue = append(o.queue, adjust) }
}

// Logger receives both the store's and the queue's messages. Defaults to
// slog.Default().
func Logger(l *slog.Logger) Option {
	return func(o *options) {
		o.engine = append(o.engine, enginetest.Logger(l))
		o.queue = append(o.queue, func(c *queue.Config) { c.Logger = l })
	}
}

// Started starts River's workers, and stops them when the test ends. By
// default the queue is not started: jobs are inserted but nothing runs them.
func Started() Option { return func(o *options) { o.start = true } }

// stopTimeout bounds how long the test's end waits for running jobs.
const stopTimeout = 10 * time.Second

// Open opens a migrated store and the forms on dsn (see enginetest.Open),
// builds a queue over them, migrates River and makes the queue the store's
// enqueuer. Everything is closed or stopped when the test ends.
func Open(t testing.TB, dsn string, opts ...Option) *Bundle {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	eb := enginetest.Open(t, dsn, o.engine...)
	cfg := queue.Config{Store: eb.Store, Forms: eb.Forms}
	for _, adjust := range o.queue {
		adjust(&cfg)
	}
	q, err := queue.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	eb.Store.UseEnqueuer(q)
	if o.start {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			q.Stop(c)
		})
	}
	return &Bundle{Bundle: *eb, Queue: q}
}
