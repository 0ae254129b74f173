package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/peterbourgon/ff/v4"

	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// bench measures, in one run and on one disk, durable submits per second over
// HTTP with concurrent clients on SQLite, next to the raw rate of durable
// single-row SQLite commits. Both use WAL with synchronous=FULL: every
// acknowledged commit has been fsynced. Each flag may also be given as
// SKJEMA_BENCH_ and its name (SKJEMA_BENCH_POSTGRES).
//
// `skjema-bench overload` is another measure: see benchOverload.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skjema-bench", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for the databases (default: a new temporary directory; choose one on the disk you deploy to)")
	clients := fs.Int("clients", 64, "concurrent HTTP clients")
	duration := fs.Duration("duration", 5*time.Second, "how long each measurement runs")
	body := fs.String("application", benchExample, "the application each client submits")
	postgresURL := fs.String("postgres", "", "also measure on this PostgreSQL database (a fresh schema is made and dropped) (SKJEMA_BENCH_POSTGRES)")
	pipelineN := fs.Int("pipeline", 10000, "applications to carry from submit to receipt, next to as many bare River jobs (0 skips)")
	skjemaPath := fs.String(skjemaFlag, "", skjemaUsage)
	if err := parseFlags(fs, args, stdout, ff.WithEnvVarPrefix("SKJEMA_BENCH")); err != nil {
		return err
	}
	doc, server, cleanup, err := prepare(ctx, *body, dir, "skjema-bench-", *skjemaPath)
	if err != nil {
		return err
	}
	defer cleanup()

	raw, err := rawCommits(ctx, filepath.Join(*dir, "raw.db"), *duration)
	if err != nil {
		return fmt.Errorf("raw commits: %w", err)
	}
	sub, mem, err := httpSubmits(ctx, server, filepath.Join(*dir, "skjema.db"), doc, *clients, *duration)
	if err != nil {
		return fmt.Errorf("submits: %w", err)
	}

	var pgRaw, pgSub measurement
	if *postgresURL != "" {
		dsn, drop, err := postgresSchema(ctx, *postgresURL)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		defer drop()
		if pgRaw, err = rawCommitsPostgres(ctx, dsn, *duration); err != nil {
			return fmt.Errorf("postgres raw commits: %w", err)
		}
		if pgSub, _, err = httpSubmits(ctx, server, dsn, doc, *clients, *duration); err != nil {
			return fmt.Errorf("postgres submits: %w", err)
		}
	}

	validation := validationPerDocument(doc)

	var bare, carried time.Duration
	if *pipelineN > 0 {
		if bare, err = riverBare(ctx, filepath.Join(*dir, "river.db"), *pipelineN); err != nil {
			return fmt.Errorf("river bare: %w", err)
		}
		if carried, err = pipeline(ctx, server, *dir, doc, *pipelineN, *clients); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
	}

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measure\tresult\tp50\tp99\n")
	fmt.Fprintf(tw, "full validation of the example application (4 household members)\t%s/doc\t%d allocs\t\n", time.Duration(validation.NsPerOp()), validation.AllocsPerOp())
	fmt.Fprintf(tw, "raw durable single-row SQLite commits, 1 writer\t%.0f /s\t%s\t%s\n", raw.rate, raw.p50, raw.p99)
	fmt.Fprintf(tw, "durable submits over HTTP, %d clients, SQLite\t%.0f /s\t%s\t%s\n", *clients, sub.rate, sub.p50, sub.p99)
	fmt.Fprintf(tw, "ratio submits / raw commits\t%.2f\t\t\n", sub.rate/raw.rate)
	fmt.Fprintf(tw, "routed while the submits lasted, SQLite\t%.0f /s\t\t\n", sub.routing.rate)
	fmt.Fprintf(tw, "ratio routed / submitted during the load\t%.2f\t\t\n", sub.routing.rate/sub.rate)
	fmt.Fprintf(tw, "unrouted when the load ended; drained in\t%d\t%s\t\n", sub.routing.backlog, sub.routing.drain.Round(10*time.Millisecond))
	fmt.Fprintf(tw, "server CPU per application, submitted and routed, SQLite\t%s\t\t\n", sub.cpuPerApplication.Round(time.Microsecond))
	if *postgresURL != "" {
		fmt.Fprintf(tw, "raw durable single-row PostgreSQL commits, 1 connection\t%.0f /s\t%s\t%s\n", pgRaw.rate, pgRaw.p50, pgRaw.p99)
		fmt.Fprintf(tw, "durable submits over HTTP, %d clients, PostgreSQL\t%.0f /s\t%s\t%s\n", *clients, pgSub.rate, pgSub.p50, pgSub.p99)
		fmt.Fprintf(tw, "ratio submits / raw commits, PostgreSQL\t%.2f\t\t\n", pgSub.rate/pgRaw.rate)
	}
	fmt.Fprintf(tw, "server RSS idle / after %s of load / peak (SQLite)\t%.0f / %.0f / %.0f MiB\t\t\n", *duration, mem.idle, mem.loaded, mem.peak)
	if *pipelineN > 0 {
		fmt.Fprintf(tw, "River bare: %d no-op jobs inserted and worked, SQLite\t%s\t%.0f jobs/s\t\n", *pipelineN, bare.Round(time.Millisecond), float64(*pipelineN)/bare.Seconds())
		fmt.Fprintf(tw, "%d applications submit → route → batch → push → receipt, SQLite\t%s\t%.0f /s\t\n", *pipelineN, carried.Round(time.Millisecond), float64(*pipelineN)/carried.Seconds())
		fmt.Fprintf(tw, "ratio pipeline time / River bare time\t%.2f\t\t\n", carried.Seconds()/bare.Seconds())
	}
	tw.Flush()
	fmt.Fprintf(stdout, "(%d submits acknowledged, %d refused or failed)\n", sub.ok, sub.failed)
	return nil
}

type measurement struct {
	rate       float64
	p50, p99   time.Duration
	ok, failed int64
	routing    routing // SQLite's submits only
	// cpuPerApplication is the server's CPU time, from the load's start
	// until every application is routed, per acknowledged submit: the cost
	// of one application, far steadier than a rate on a shared machine.
	cpuPerApplication time.Duration
}

func percentiles(lat []time.Duration) (time.Duration, time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond)
}

// rawCommits is the baseline: one connection, one small row, one commit, as
// fast as the disk's fsync allows.
func rawCommits(ctx context.Context, path string, d time.Duration) (measurement, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate&_stmt_cache_size=64")
	if err != nil {
		return measurement{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return measurement{}, err
	}
	var lat []time.Duration
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		t0 := time.Now()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return measurement{}, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (body) VALUES (?)`, "a row the size of a small audit event"); err != nil {
			tx.Rollback()
			return measurement{}, err
		}
		if err := tx.Commit(); err != nil {
			return measurement{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	m := measurement{rate: float64(len(lat)) / time.Since(start).Seconds(), ok: int64(len(lat))}
	m.p50, m.p99 = percentiles(lat)
	return m, nil
}

// httpSubmits runs the real server (the binary server) as a child process
// on a loopback port and lets clients submit for a while, each with a fresh
// key. It reads the child's memory idle and after the load.
func httpSubmits(ctx context.Context, server, db string, doc []byte, clients int, d time.Duration) (measurement, memory, error) {
	c, err := startChild(ctx, server, nil, "-db", db)
	if err != nil {
		return measurement{}, memory{}, err
	}
	defer c.stop()
	var mem memory
	time.Sleep(500 * time.Millisecond)
	mem.idle, _ = c.memory()
	var rt *routingWatch
	if !strings.HasPrefix(db, "postgres") {
		if rt, err = watchRouting(db); err != nil {
			return measurement{}, memory{}, err
		}
		defer rt.close()
	}
	start, cpuBefore := time.Now(), c.cpu()
	m := hammer(ctx, c.url+"/api/v1/forms/"+benchForm+"/submissions", doc, clients, func() bool { return time.Since(start) < d })
	elapsed := time.Since(start)
	mem.loaded, mem.peak = c.memory()
	if rt != nil {
		if m.routing, err = rt.measure(ctx, elapsed); err != nil {
			return measurement{}, memory{}, err
		}
	}
	if m.ok > 0 {
		m.cpuPerApplication = (c.cpu() - cpuBefore) / time.Duration(m.ok)
	}
	return m, mem, nil
}

// routing is how routing kept up with a submit load: applications routed
// per second while it lasted, what was still unrouted when it ended, and
// how long that backlog took to drain.
type routing struct {
	rate    float64
	backlog int
	drain   time.Duration
}

// routingWatch reads a SQLite database beside the server (WAL readers do
// not block its writer) to count routed applications.
type routingWatch struct{ db *sql.DB }

func watchRouting(path string) (*routingWatch, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	return &routingWatch{db: db}, nil
}

func (w *routingWatch) close() { w.db.Close() }

func (w *routingWatch) counts(ctx context.Context) (routed, waiting int, err error) {
	err = w.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(status <> 'submitted'), 0), COALESCE(SUM(status = 'submitted'), 0)
		FROM applications WHERE status <> 'draft'`).Scan(&routed, &waiting)
	return routed, waiting, err
}

// measure counts what was routed during the load (which lasted elapsed and
// has just ended), then waits, up to two minutes, for the backlog to drain.
func (w *routingWatch) measure(ctx context.Context, elapsed time.Duration) (routing, error) {
	routed, waiting, err := w.counts(ctx)
	if err != nil {
		return routing{}, err
	}
	r := routing{rate: float64(routed) / elapsed.Seconds(), backlog: waiting}
	start := time.Now()
	for waiting > 0 && time.Since(start) < 2*time.Minute {
		time.Sleep(20 * time.Millisecond)
		if _, waiting, err = w.counts(ctx); err != nil {
			return routing{}, err
		}
	}
	r.drain = time.Since(start)
	if waiting > 0 {
		return routing{}, fmt.Errorf("%d applications still unrouted two minutes after the load", waiting)
	}
	return r, nil
}

// memory is a server's resident set in MiB: idle after start, at the end of
// a load, and its peak.
type memory struct{ idle, loaded, peak float64 }

// submitN submits exactly n applications.
func submitN(ctx context.Context, url string, doc []byte, n, clients int) (measurement, error) {
	var taken atomic.Int64
	return hammer(ctx, url, doc, clients, func() bool { return taken.Add(1) <= int64(n) }), nil
}

// hammer lets clients submit while more says so, and measures the
// acknowledged rate and latencies.
func hammer(ctx context.Context, url string, doc []byte, clients int, more func() bool) measurement {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var ok, failed, seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for more() && ctx.Err() == nil {
				n := seq.Add(1)
				// One applicant each, as in real load: the same one would make
				// every submit after the first a duplicate for a caseworker.
				req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(nidtest.WithApplicant(doc, int(n))))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-key-%012d", n))
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					ok.Add(1)
					mine = append(mine, time.Since(t0))
				} else {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := measurement{rate: float64(ok.Load()) / time.Since(start).Seconds(), ok: ok.Load(), failed: failed.Load()}
	res.p50, res.p99 = percentiles(lat)
	return res
}

// validationPerDocument times full validation of one document.
func validationPerDocument(doc []byte) testing.BenchmarkResult {
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		return testing.BenchmarkResult{}
	}
	form, _ := reg.Form(benchForm)
	var parsed map[string]any
	json.Unmarshal(doc, &parsed)
	return testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			form.Validate(parsed, forms.Options{Mode: forms.Full})
		}
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// prepare reads the application every client submits, makes a temporary
// directory for the databases where dir names none, and finds or builds
// the server binary; cleanup removes what it made.
func prepare(ctx context.Context, body string, dir *string, prefix, skjemaPath string) (doc []byte, server string, cleanup func(), err error) {
	if doc, err = os.ReadFile(body); err != nil {
		return nil, "", nil, err
	}
	removeDir := func() {}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", prefix); err != nil {
			return nil, "", nil, err
		}
		tmp := *dir
		removeDir = func() { os.RemoveAll(tmp) }
	}
	server, removeBinary, err := serverBinary(ctx, skjemaPath)
	if err != nil {
		removeDir()
		return nil, "", nil, err
	}
	return doc, server, func() { removeBinary(); removeDir() }, nil
}

// benchForm is the form the benchmark submits, and benchExample its example
// application: the first built-in form on the agency road, whose pipeline
// (route, batch, delivery) it measures.
var benchForm, benchExample = func() (string, string) {
	reg, err := forms.Load(forms.Config{})
	if err != nil {
		return "", ""
	}
	for _, f := range reg.Forms() {
		if f.Road() == forms.RoadAgency {
			return f.ID, filepath.Join("examples", f.ID, "application.json")
		}
	}
	return "", ""
}()
