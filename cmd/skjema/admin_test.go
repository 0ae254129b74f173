package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// get answers a URL's status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// TestAdminListener: the metrics are served on the operator's listener and
// not with the citizen API, with the gauges an operator alerts on read from
// the database and River's jobs counted by middleware (issue #18 item 5,
// security review H2).
func TestAdminListener(t *testing.T) {
	m := &Main{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "s.db"), LogLevel: "error",
		Anonymous: "open", Stdout: io.Discard, Stderr: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if status, _ := get(t, m.URL()+"/metrics"); status != 404 {
		t.Errorf("/metrics on the public listener: %d", status)
	}
	body, _ := os.ReadFile("../../examples/bostotte/application.json")
	req, _ := http.NewRequest("POST", m.URL()+"/api/v1/forms/bostotte/submissions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "admin-listener-0123456789")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("submit: %v %v", res, err)
	}
	res.Body.Close()
	var metrics string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, metrics = get(t, m.AdminURL()+"/metrics")
		if strings.Contains(metrics, `skjema_jobs_total{kind="route",outcome="ok"} 1`) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{
		`skjema_jobs_total{kind="route",outcome="ok"} 1`,
		`skjema_job_duration_seconds_count{kind="route"} 1`,
		`skjema_job_wait_seconds_count{kind="route"} 1`,
		`skjema_applications{status="draft"} 0`,
		`skjema_batches{status="failed"} 0`,
		`skjema_gauges_up 1`,
		`skjema_oldest_undelivered_seconds `,
		`skjema_http_requests_total{code="201",route="POST /api/v1/forms/{form}/submissions"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("the admin listener's metrics lack %s", want)
		}
	}
	// The one application is somewhere past submit: routed to a batch or
	// to review; its status is counted.
	if !regexp.MustCompile(`skjema_applications\{status="(batched|in_review|submitted)"\} 1`).MatchString(metrics) {
		t.Errorf("the application is not counted by status:\n%s", grepLines(metrics, "skjema_applications"))
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _ := get(t, m.AdminURL()+path); status != 200 {
			t.Errorf("%s on the admin listener: %d", path, status)
		}
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAlertRulesNameRealMetrics: every metric the shipped alert rules name
// is one the server registers.
func TestAlertRulesNameRealMetrics(t *testing.T) {
	rules, err := os.ReadFile("../../docs/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	exprs := regexp.MustCompile(`(?m)^\s+expr:\s*(>\s*\n(?:\s{10,}.*\n)+|.*)`).FindAllStringSubmatch(string(rules), -1)
	if len(exprs) < 8 {
		t.Fatalf("%d alert expressions found, want the file's ten", len(exprs))
	}
	for _, e := range exprs {
		for _, name := range regexp.MustCompile(`\bskjema_[a-z_]+`).FindAllString(e[1], -1) {
			if !slices.Contains(named, name) {
				named = append(named, name)
			}
		}
	}
	m := &Main{Addr: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "s.db"), LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard,
		MaxInFlight: 10}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ch := make(chan *prometheus.Desc, 256)
	go func() { m.registry.Describe(ch); close(ch) }()
	registered := map[string]bool{}
	for d := range ch {
		if f := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String()); f != nil {
			registered[f[1]] = true
		}
	}
	for _, name := range named {
		if !registered[name] {
			t.Errorf("docs/alerts.yml names %s, which the server does not register", name)
		}
	}
}

// TestSecondServeOnOneSQLiteFile: a second serve on the same SQLite file is
// refused at start; commands beside a running serve still work.
func TestSecondServeOnOneSQLiteFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	first := &Main{Addr: "127.0.0.1:0", Database: db, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	if err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := &Main{Addr: "127.0.0.1:0", Database: db, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	if err := second.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "another skjema serve is running on") {
		second.Close()
		t.Fatalf("a second serve on one SQLite file: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"agency", "list", "-db", db}, &out, io.Discard); err != nil {
		t.Errorf("agency list beside a running serve: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := &Main{Addr: "127.0.0.1:0", Database: db, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	if err := again.Run(context.Background()); err != nil {
		t.Fatalf("serve after the first stopped: %v", err)
	}
	again.Close()
}

// TestBusyPortIsSaidFirst: a port in use is reported before the database is
// created or migrated.
func TestBusyPortIsSaidFirst(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(t.TempDir(), "s.db")
	m := &Main{Addr: busy.Addr().String(), Database: db, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	err = m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "-addr "+busy.Addr().String()) {
		m.Close()
		t.Fatalf("serve on a busy port: %v", err)
	}
	if st, _ := os.Stat(db); st != nil && st.Size() > 0 {
		t.Errorf("the database was written (%d bytes) before the port was found busy", st.Size())
	}
}

// TestNoMigrateOnAnEmptyDatabase: -no-migrate on a database never migrated
// says to run skjema migrate, not River's "relation does not exist".
func TestNoMigrateOnAnEmptyDatabase(t *testing.T) {
	m := &Main{Addr: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "s.db"), NoMigrate: true, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard}
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "run `skjema migrate` first") {
		m.Close()
		t.Fatalf("-no-migrate on an empty database: %v", err)
	}
}
