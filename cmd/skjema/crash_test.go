package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid/nidtest"
	"github.com/skjema/skjema/queue"
)

// load submits applications from several clients until stopped. A submit
// whose answer is lost (the server died) is retried with the same key until
// it is acknowledged, as a careful client would; every key ends acknowledged
// exactly once, with one receipt.
type load struct {
	url   func() string
	body  []byte
	stop  atomic.Bool
	mu    sync.Mutex
	acked map[string]engine.Receipt // key → receipt
	seq   atomic.Int64
	wg    sync.WaitGroup
}

func (l *load) run(clients int) {
	client := &http.Client{Timeout: 10 * time.Second}
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stop.Load() {
				n := l.seq.Add(1)
				key := fmt.Sprintf("crash-key-%012d", n)
				body := nidtest.WithApplicant(l.body, int(n)) // one applicant each: no duplicates
				for {
					r, ok := l.submit(client, key, body)
					if ok {
						l.mu.Lock()
						if prior, seen := l.acked[key]; seen && prior != r {
							panic(fmt.Sprintf("key %s acknowledged twice with different receipts", key))
						}
						l.acked[key] = r
						l.mu.Unlock()
						break
					}
					time.Sleep(20 * time.Millisecond) // the server is down: retry the same key
				}
			}
		}()
	}
}

func (l *load) submit(client *http.Client, key string, body []byte) (engine.Receipt, bool) {
	req, _ := http.NewRequest("POST", l.url()+"/api/v1/forms/bostotte/submissions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := client.Do(req)
	if err != nil {
		return engine.Receipt{}, false
	}
	defer res.Body.Close()
	var r engine.Receipt
	if res.StatusCode != http.StatusCreated || json.NewDecoder(res.Body).Decode(&r) != nil {
		return engine.Receipt{}, false
	}
	return r, true
}

// waitDelivered waits until every acknowledged application has reached the
// agency.
func waitDelivered(t *testing.T, rcv *receiver.Receiver, acked map[string]engine.Receipt, diagnose func() string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		stored := rcv.Stored()
		missing := 0
		for _, r := range acked {
			if stored[r.Reference] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged applications never reached the agency\n%s", missing, len(acked), diagnose())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitAccepted waits until the server reports every acknowledged
// application accepted: the agency storing a batch comes before Skjema
// records its receipts, and a kill between the two is healed only when the
// delivery job is rescued and pushes again.
func waitAccepted(t *testing.T, url string, acked map[string]engine.Receipt, diagnose func() string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	pending := maps.Clone(acked)
	deadline := time.Now().Add(90 * time.Second)
	for len(pending) > 0 {
		for key, r := range pending {
			req, _ := http.NewRequest("GET", url+"/api/v1/submissions/"+r.ID, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := client.Do(req)
			if err != nil {
				continue
			}
			var v engine.StatusView
			if res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(&v) == nil && v.Status == engine.StatusAccepted {
				delete(pending, key)
			}
			res.Body.Close()
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged applications never accepted\n%s", len(pending), len(acked), diagnose())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// diagnose describes, for a failed test, the applications and jobs that
// have not finished.
func diagnose(dsn string) string {
	ctx := context.Background()
	store, err := engine.Open(ctx, engine.Config{Database: dsn})
	if err != nil {
		return err.Error()
	}
	defer store.Close()
	counts, _ := store.Casework.CountByStatus(ctx)
	out := fmt.Sprintf("applications by status: %v\n", counts)
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		return out + err.Error()
	}
	q, err := queue.New(queue.Config{Store: store, Forms: reg})
	if err != nil {
		return out + err.Error()
	}
	jobs, err := q.UnfinishedJobs(ctx)
	if err != nil {
		return out + err.Error()
	}
	return out + strings.Join(jobs, "\n")
}

// waitAcked lets the load run until at least n submits are acknowledged: a
// slow machine takes longer, rather than failing a fixed time window.
func (l *load) waitAcked(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		l.mu.Lock()
		got := len(l.acked)
		l.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d submits acknowledged in 90 s, want %d", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *load) finish() map[string]engine.Receipt {
	l.stop.Store(true)
	l.wg.Wait()
	return l.acked
}

// TestCrashSafetySQLite runs the real server as a child process under
// submit load, kills it with SIGKILL at random moments, restarts it, and
// checks that every acknowledged application is stored and delivered to the
// agency exactly once, that nothing half-written is visible, and that SIGTERM
// shuts down gracefully.
func TestCrashSafetySQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	dir := t.TempDir()
	rcv := &receiver.Receiver{Secret: "crash"}
	agency := httptest.NewServer(rcv)
	defer agency.Close()
	agencies := filepath.Join(dir, "agencies.json")
	os.WriteFile(agencies, []byte(`{"husbanken":{"transport":"push","url":"`+agency.URL+`","secret":"crash"}}`), 0o600)
	db := filepath.Join(dir, "skjema.db")
	n := startNode(t, dir, "-db", db, "-agencies", agencies, "-batch-size", "50", "-batch-max-age", "300ms",
		"-seal-interval", "200ms", "-rescue-after", "4s", "-log-level", "debug", "-rate-limit", "0")
	body, err := os.ReadFile("../../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	l := &load{url: func() string { return n.url }, body: body, acked: map[string]engine.Receipt{}}
	l.run(8)
	for i := range 4 {
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		n.kill()
		t.Logf("killed the server (%d)", i+1)
		n.start()
	}
	l.waitAcked(t, 100)
	acked := l.finish()

	waitDelivered(t, rcv, acked, func() string { return diagnose(db) })
	waitAccepted(t, n.url, acked, func() string { return diagnose(db) })
	if err := n.stop(20 * time.Second); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}

	store := enginetest.Open(t, db).Store
	counts, err := store.Casework.CountByStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	// Only acknowledged submits exist (each key was retried until it was), and
	// all of them were accepted.
	if total != len(acked) || counts[engine.StatusAccepted] != len(acked) {
		t.Fatalf("database holds %v, want %d accepted", counts, len(acked))
	}
	for ref, times := range rcv.Stored() {
		if times != 1 {
			t.Fatalf("the agency stored %s %d times", ref, times)
		}
	}
	if got := len(rcv.Stored()); got != len(acked) {
		t.Fatalf("the agency stored %d applications, want %d", got, len(acked))
	}
	for key, r := range acked {
		events, err := store.Events(context.Background(), r.ID)
		if err != nil || len(events) < 4 || events[0].Action != "submit" || events[len(events)-1].To != engine.StatusAccepted {
			t.Fatalf("application %s (key %s) has a broken history: %+v, %v", r.ID, key, events, err)
		}
	}
	// The server's log of the whole run holds no personal data.
	log, err := os.ReadFile(n.log)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"12038512356", "02078745684", "20051551266", "15031234562", "1503.12.34562", "Nordmann", "Storgata"} {
		if bytes.Contains(log, []byte(secret)) {
			t.Errorf("the server log contains %q", secret)
		}
	}
	t.Logf("%d acknowledged submits, %d batches at the agency, %d pushes", len(acked), rcv.Batches(), rcv.Pushes())
}
