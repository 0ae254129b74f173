package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
)

// noopArgs is River's bare job: it does nothing.
type noopArgs struct{}

func (noopArgs) Kind() string { return "noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
	done chan struct{}
}

func (w *noopWorker) Work(ctx context.Context, job *river.Job[noopArgs]) error {
	w.done <- struct{}{}
	return nil
}

// riverBare is River alone on a SQLite file set up as the store sets up its
// own (one writer connection, WAL, synchronous=FULL): n no-op jobs inserted
// in chunks, timed until the last has run.
func riverBare(ctx context.Context, path string, n int) (time.Duration, error) {
	store, err := engine.Open(ctx, engine.Config{Database: path})
	if err != nil {
		return 0, err
	}
	defer store.Close()
	driver := riversqlite.New(store.SQLDB())
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return 0, err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return 0, err
	}
	w := &noopWorker{done: make(chan struct{}, 1024)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers:           workers,
		FetchCooldown:     5 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            discardLogger(),
	})
	if err != nil {
		return 0, err
	}
	if err := client.Start(ctx); err != nil {
		return 0, err
	}
	defer client.Stop(context.WithoutCancel(ctx))
	start := time.Now()
	for left := n; left > 0; left -= 1000 {
		params := make([]river.InsertManyParams, min(left, 1000))
		for i := range params {
			params[i] = river.InsertManyParams{Args: noopArgs{}}
		}
		if _, err := client.InsertMany(ctx, params); err != nil {
			return 0, err
		}
	}
	for range n {
		select {
		case <-w.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Minute):
			return 0, fmt.Errorf("no-op jobs stalled")
		}
	}
	return time.Since(start), nil
}

// pipeline submits n applications over HTTP with the given clients to the
// real server, pushing to an in-process agency receiver, and times until the
// last is accepted.
func pipeline(ctx context.Context, dir string, doc []byte, n, clients int) (time.Duration, error) {
	rcv := &receiver.Receiver{Secret: "bench"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	agency := &http.Server{Handler: rcv}
	go agency.Serve(ln)
	defer agency.Close()
	agencies := filepath.Join(dir, "agencies.json")
	cfg, _ := json.Marshal(map[string]any{"husbanken": map[string]string{"transport": "push", "url": "http://" + ln.Addr().String() + "/", "secret": "bench"}})
	if err := os.WriteFile(agencies, cfg, 0o600); err != nil {
		return 0, err
	}
	m := &Main{Addr: "127.0.0.1:0", Database: filepath.Join(dir, "pipeline.db"), AgenciesFile: agencies, LogLevel: "error",
		BatchSize: 500, BatchMaxAge: time.Second, SealInterval: 250 * time.Millisecond, Stdout: io.Discard, Stderr: io.Discard}
	start := time.Now()
	if err := m.Run(ctx); err != nil {
		return 0, err
	}
	defer m.Close()
	load, err := submitN(ctx, m.URL()+"/api/v1/forms/bostotte/submissions", doc, n, clients)
	if err != nil {
		return 0, err
	}
	if load.ok != int64(n) {
		return 0, fmt.Errorf("%d of %d submits acknowledged", load.ok, n)
	}
	for {
		c, err := m.store.CountByStatus(ctx)
		if err != nil {
			return 0, err
		}
		if c[engine.StatusAccepted] == n {
			return time.Since(start), nil
		}
		if time.Since(start) > 10*time.Minute {
			return 0, fmt.Errorf("stalled: %v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
