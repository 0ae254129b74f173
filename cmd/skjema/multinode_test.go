package main

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
)

// TestTwoNodesOnPostgres starts two skjema processes on one PostgreSQL
// database at once (their migrations take turns), submits through both,
// kills one with SIGKILL mid-run, and checks that every acknowledged
// application is delivered exactly once and that each batch was sealed once.
func TestTwoNodesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node test: skipped with -short")
	}
	dsn := enginetest.Postgres(t)
	dir := t.TempDir()
	rcv := &receiver.Receiver{Secret: "nodes"}
	agency := httptest.NewServer(rcv)
	defer agency.Close()
	agencies := filepath.Join(dir, "agencies.json")
	os.WriteFile(agencies, []byte(`{"husbanken":{"transport":"push","url":"`+agency.URL+`","secret":"nodes"}}`), 0o600)
	args := []string{"-db", dsn, "-agencies", agencies, "-batch-size", "50", "-batch-max-age", "300ms",
		"-seal-interval", "200ms", "-rescue-after", "4s", "-log-level", "warn", "-rate-limit", "0"}

	var nodes [2]*node
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); nodes[i] = startNode(t, dir, args...) }()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var alive sync.Map
	alive.Store(0, true)
	alive.Store(1, true)
	pick := func() string {
		i := rand.IntN(2)
		if _, ok := alive.Load(i); !ok {
			i = 1 - i
		}
		return nodes[i].url
	}
	body, _ := os.ReadFile("../../examples/bostotte/application.json")
	l := &load{url: pick, body: body, acked: map[string]engine.Receipt{}}
	l.run(8)
	time.Sleep(1500 * time.Millisecond)
	alive.Delete(0)
	nodes[0].kill()
	t.Log("killed node 0")
	time.Sleep(1500 * time.Millisecond)
	l.waitAcked(t, 100)
	acked := l.finish()
	waitDelivered(t, rcv, acked, func() string { return diagnose(dsn) })
	waitAccepted(t, nodes[1].url, acked, func() string { return diagnose(dsn) })
	for ref, times := range rcv.Stored() {
		if times != 1 {
			t.Fatalf("the agency stored %s %d times", ref, times)
		}
	}
	store := enginetest.Open(t, dsn).Store
	counts, _ := store.Casework.CountByStatus(context.Background())
	if counts[engine.StatusAccepted] != len(acked) || len(rcv.Stored()) != len(acked) {
		t.Fatalf("database %v, agency stored %d, acknowledged %d", counts, len(rcv.Stored()), len(acked))
	}
	delivered, _ := store.Batches.Batches(context.Background(), "husbanken", batches.BatchDelivered)
	items := 0
	for _, b := range delivered {
		items += b.ItemCount
	}
	if items != len(acked) || rcv.Batches() != len(delivered) {
		t.Fatalf("%d items in %d delivered batches (agency has %d batches), want %d items", items, len(delivered), rcv.Batches(), len(acked))
	}
	// No batch over its size, each sealed once: one deliver job per batch,
	// and no more pushes than batches except where a job was run again
	// (rescued from the killed node).
	for _, b := range delivered {
		if b.ItemCount > 50 {
			t.Errorf("batch %s holds %d items, more than -batch-size 50", b.ID, b.ItemCount)
		}
	}
	pool := store.PgxPool()
	var jobs, batchesWithJobs, rerun int
	if err := pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT args->>'batch_id'), count(*) FILTER (WHERE attempt > 1)
		FROM river_job WHERE kind = 'deliver_batch'`).Scan(&jobs, &batchesWithJobs, &rerun); err != nil {
		t.Fatal(err)
	}
	if jobs != len(delivered) || batchesWithJobs != len(delivered) {
		t.Errorf("%d deliver jobs for %d batches, %d delivered: want one each", jobs, batchesWithJobs, len(delivered))
	}
	if rcv.Pushes() > len(delivered)+rerun {
		t.Errorf("%d pushes for %d batches with %d deliver jobs run again", rcv.Pushes(), len(delivered), rerun)
	}
	t.Logf("%d acknowledged through two nodes, one killed; %d batches, %d pushes", len(acked), len(delivered), rcv.Pushes())
}
