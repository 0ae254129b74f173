package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// lockedBuffer is a log destination that a test reads while workers write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines answers the log's lines as maps.
func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestBatchLogs: an operator reads from the log that a batch was sealed,
// that a push failed with the agency's status and the start of its answer
// (at WARN), and that it was then pushed and delivered, each with counts;
// and never a citizen's personal data.
func TestBatchLogs(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		var calls atomic.Int64
		agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				// An answer that echoes a fødselsnummer: the log must not.
				http.Error(w, "Vedlikehold til kl. 03.00 (søker "+nidtest.Fodselsnummer(0)+") "+strings.Repeat("x", 500), http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(`{"receipts":[]}`))
		}))
		defer agency.Close()
		logs := &lockedBuffer{}
		b := setupSeal(t, dsn, func(c *Config) {
			c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			c.BatchSize = 2
			c.Agencies = map[string]Agency{"husbanken": {Transport: TransportPush, URL: agency.URL, Secret: "s"}}
		})
		ctx := context.Background()
		var batchID string
		for _, id := range b.submit(t, 2) {
			res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
			if err != nil {
				t.Fatal(err)
			}
			batchID = res.Batch.ID
		}
		if err := b.queue.SealDue(ctx); err != nil {
			t.Fatal(err)
		}
		for attempt := 1; attempt <= 2; attempt++ {
			job := &river.Job[DeliverArgs]{JobRow: &rivertype.JobRow{Kind: DeliverArgs{}.Kind(), Attempt: attempt, MaxAttempts: 20},
				Args: DeliverArgs{BatchID: batchID}}
			err := (&deliverWorker{q: b.queue}).Work(ctx, job)
			if (err != nil) != (attempt == 1) {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
		}
		want := map[string]func(map[string]any) bool{
			"batch sealed": func(l map[string]any) bool {
				return l["batch"] == batchID && l["applications"] == 2.0 && l["transport"] == "push" && l["level"] == "INFO"
			},
			"push failed; it will be tried again": func(l map[string]any) bool {
				e, _ := l["error"].(string)
				return l["level"] == "WARN" && l["attempt"] == 1.0 && strings.Contains(e, "503") && strings.Contains(e, "Vedlikehold til kl. 03.00") && len(e) < 400
			},
			"batch pushed and delivered": func(l map[string]any) bool {
				return l["batch"] == batchID && l["applications"] == 2.0 && l["attempt"] == 2.0 && l["level"] == "INFO"
			},
		}
		for _, l := range logs.lines(t) {
			if ok := want[l["msg"].(string)]; ok != nil && ok(l) {
				delete(want, l["msg"].(string))
			}
		}
		for msg := range want {
			t.Errorf("no log line %q as expected:\n%s", msg, logs.b.String())
		}
		// The applicants' fødselsnumre (submit gives each its own), the
		// household's, and their names are in the batch, never in the log.
		secrets := []string{"Nordmann", "Storgata", "02078745684", "20051551266"}
		for i := range 3 {
			secrets = append(secrets, nidtest.Fodselsnummer(i))
		}
		for _, s := range secrets {
			if strings.Contains(logs.b.String(), s) {
				t.Errorf("the log holds %s:\n%s", s, logs.b.String())
			}
		}
	})
}

// TestRiverChatterIsDebug: River's own lines below WARN are logged at DEBUG,
// its warnings as they are.
func TestRiverChatterIsDebug(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(riverChatter{slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})})
	log.Info("producer: Producer job counts")
	log.Warn("jobexecutor: job panicked")
	if out := buf.String(); strings.Contains(out, "Producer job counts") || !strings.Contains(out, "job panicked") {
		t.Fatalf("at INFO the log holds:\n%s", out)
	}
	buf.Reset()
	log = slog.New(riverChatter{slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	log.Info("producer: Producer job counts")
	if !strings.Contains(buf.String(), `"level":"DEBUG"`) {
		t.Fatalf("at DEBUG: %s", buf.String())
	}
}

// TestFailedJobsAreLoggedOnce: the job middleware logs a failed job at WARN,
// scrubbed, unless its worker has logged it already (a push's failure, with
// the batch and the agency's answer), so that one failure is one line.
func TestFailedJobsAreLoggedOnce(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	mw := &jobMetrics{m: newMetrics(nil), log: slog.New(slog.NewJSONHandler(&buf, nil))}
	job := &rivertype.JobRow{Kind: "seal_batches", Attempt: 2, MaxAttempts: 25, ScheduledAt: time.Now()}
	mw.Work(context.Background(), job, func(context.Context) error { return errors.New("relay refused kari@example.no") })
	mw.Work(context.Background(), job, func(context.Context) error { return reported{errors.New("push batch b1: 503")} })
	mw.Work(context.Background(), job, func(context.Context) error { return nil })
	lines := buf.lines(t)
	if len(lines) != 1 || lines[0]["msg"] != "job failed" || lines[0]["level"] != "WARN" || lines[0]["error"] != "relay refused <e-post>" {
		t.Fatalf("log:\n%s", buf.b.String())
	}
}
