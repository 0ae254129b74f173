package caseworker_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web/caseworker"
)

// BenchmarkQueuePage renders a kommune's queue of 2,000 exceptions (200
// rows shown, every one counted), and one application, as a caseworker's
// browser asks for them. The ratio to compare is page / application view.
//
//	go test ./web/caseworker/ -run '^$' -bench . -benchtime 200x
func BenchmarkQueuePage(b *testing.B) {
	bundle := setup(b, enginetest.SQLite(b), caseworker.Config{})
	u := bundle.user(b, "kari@oslo.kommune.no", false, "0301")
	var last engine.Application
	for range 2000 {
		last, _ = bundle.flagged(b, "0301")
	}
	sess, err := bundle.store.Accounts.CreateSession(context.Background(), u.ID, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	client := bundle.srv.Client()
	get := func(b *testing.B, path string) {
		req, _ := http.NewRequest("GET", bundle.srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "__Host-skjema-session", Value: sess.Token})
		res, err := client.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%s: %v %v", path, res.Status, err)
		}
		res.Body.Close()
	}
	b.Run("queue", func(b *testing.B) {
		for b.Loop() {
			get(b, "/caseworker/")
		}
	})
	b.Run("application", func(b *testing.B) {
		for b.Loop() {
			get(b, "/caseworker/applications/"+last.ID)
		}
	})
}

// BenchmarkLargeKommune is a large kommune near the deadline: 20,000
// applications of Oslo, one in ten open, on each database. It times the
// caseworker's first list page, a page far down the list, and a search by
// name that matches nearly all of them (the worst case: they are sorted
// before the first 50 are shown) and one that matches one, and reports the
// median and the 99th percentile of each in milliseconds. Before timing it
// pages through the whole list in the engine, and fails unless every
// application is reached exactly once. The target is a p99 under 200 ms.
//
//	SKJEMA_TEST_POSTGRES=postgres://… go test ./web/caseworker/ -run '^$' -bench LargeKommune -benchtime 200x
func BenchmarkLargeKommune(b *testing.B) {
	for _, db := range enginetest.Databases() {
		b.Run(db.Name, func(b *testing.B) {
			bundle := setup(b, db.DSN(b), caseworker.Config{})
			u := bundle.user(b, "kari@oslo.kommune.no", false, "0301")
			template, _ := bundle.flagged(b, "0301")
			const n = 20000
			// The rows are copies of one real application, made in one
			// statement: submitting 20,000 would take minutes.
			exec := func(q string) error {
				if pool := bundle.store.PgxPool(); pool != nil {
					_, err := pool.Exec(context.Background(), q)
					return err
				}
				_, err := bundle.store.SQLDB().Exec(q)
				return err
			}
			if err := exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + strconv.Itoa(n-1) + `)
				INSERT INTO applications (id, form, form_version, kommune, status, data, reference, resume_token_hash, created_at, updated_at,
					submitted_at, application_month, channel, lang, review_reasons, applicant_hash, applicant_name, applicant_search, version)
				SELECT 'bench' || CAST(i AS TEXT), a.form, a.form_version, a.kommune,
					CASE WHEN i % 10 = 0 THEN 'in_review' ELSE 'accepted' END, a.data, 'BOS-2026-' || CAST(100000 + i AS TEXT),
					a.resume_token_hash || CAST(i AS TEXT), a.created_at, a.updated_at, a.submitted_at, a.application_month, a.channel, a.lang,
					CASE WHEN i % 10 = 0 THEN a.review_reasons ELSE '' END, a.applicant_hash,
					CASE WHEN i % 1000 = 0 THEN 'Ingrid Hansen' || CAST(i AS TEXT) ELSE a.applicant_name END,
					CASE WHEN i % 1000 = 0 THEN 'ingrid hansen' || CAST(i AS TEXT) ELSE a.applicant_search END, 1
				FROM n, applications a WHERE a.id = '` + template.ID + `'`); err != nil {
				b.Fatal(err)
			}
			seen, f := map[string]bool{}, casework.Filter{Kommuner: u.Kommuner, Scope: casework.ScopeAll, Limit: 500}
			for {
				l, err := bundle.store.Casework.List(context.Background(), f)
				if err != nil {
					b.Fatal(err)
				}
				for _, it := range l.Items {
					if seen[it.ID] {
						b.Fatalf("%s listed twice", it.ID)
					}
					seen[it.ID] = true
				}
				if f.After = l.Next; f.After == "" {
					break
				}
			}
			if len(seen) != n {
				b.Fatalf("%d of %d applications reachable", len(seen), n)
			}
			sess, err := bundle.store.Accounts.CreateSession(context.Background(), u.ID, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			client := bundle.srv.Client()
			get := func(b *testing.B, path string) string {
				req, _ := http.NewRequest("GET", bundle.srv.URL+path, nil)
				req.AddCookie(&http.Cookie{Name: "__Host-skjema-session", Value: sess.Token})
				res, err := client.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("%s: %v %v", path, res.Status, err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				return string(body)
			}
			far := casework.Filter{Kommuner: u.Kommuner, Scope: casework.ScopeAll, Limit: 50}
			for range 300 {
				l, _ := bundle.store.Casework.List(context.Background(), far)
				far.After = l.Next
			}
			// Start-up's backfill of applicants' names, with nothing left to
			// name: it runs at every start.
			b.Run("name backfill, nothing left", func(b *testing.B) {
				for b.Loop() {
					if n, err := bundle.store.Casework.NameAll(context.Background(), bundle.forms.Form); err != nil || n != 0 {
						b.Fatalf("named %d, %v", n, err)
					}
				}
			})
			for _, c := range []struct{ name, path string }{
				{"queue", "/caseworker/"},
				{"all, page 300", "/caseworker/?scope=all&after=" + far.After},
				{"search, most", "/caseworker/search?q=nordmann"},
				{"search, one", "/caseworker/search?q=ingrid+hansen7000"},
			} {
				b.Run(c.name, func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						get(b, c.path)
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}
