package main

import (
	"context"
	"encoding/json"
	"fmt"
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
// real server (the binary server, a child process as in httpSubmits),
// pushing to an agency receiver in this process, and times from the
// server's start until the last application is accepted, read from the
// server's database.
func pipeline(ctx context.Context, server, dir string, doc []byte, n, clients int) (time.Duration, error) {
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
	db := filepath.Join(dir, "pipeline.db")
	start := time.Now()
	// Batches are sealed at 500 or after a second, looked for every 250 ms;
	// no limit per client address or on requests in flight: the load
	// generator is one address.
	c, err := startChild(ctx, server, nil, "-db", db, "-agencies", agencies,
		"-batch-size", "500", "-batch-max-age", "1s", "-seal-interval", "250ms",
		"-max-inflight", "0", "-max-conns-per-addr", "0", "-drafts-per-hour", "0", "-upload-mb-per-hour", "0")
	if err != nil {
		return 0, err
	}
	defer c.stop()
	// The server has migrated the database before it answered /readyz; this
	// store only reads it.
	store, err := engine.Open(ctx, engine.Config{Database: db, Logger: discardLogger()})
	if err != nil {
		return 0, err
	}
	defer store.Close()
	load, err := submitN(ctx, c.url+"/api/v1/forms/"+benchForm+"/submissions", doc, n, clients)
	if err != nil {
		return 0, err
	}
	if load.ok != int64(n) {
		return 0, fmt.Errorf("%d of %d submits acknowledged", load.ok, n)
	}
	for {
		counts, err := store.Casework.CountByStatus(ctx)
		if err != nil {
			return 0, err
		}
		if counts[engine.StatusAccepted] == n {
			return time.Since(start), nil
		}
		if time.Since(start) > 10*time.Minute {
			return 0, fmt.Errorf("stalled: %v", counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
