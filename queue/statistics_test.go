package queue

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestStatisticsMetrics: the statistics page's figures at /metrics, per
// kommune and month, on both databases: one application straight through
// and delivered after two hours, one in review; read again only after
// statisticsEvery.
func TestStatisticsMetrics(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		now := time.Date(2026, time.March, 2, 10, 0, 0, 0, calendar.Oslo)
		clock := func() time.Time { return now }
		reg := prometheus.NewRegistry()
		eb := enginetest.Open(t, dsn, enginetest.Clock(clock))
		q, err := New(Config{Store: eb.Store, Forms: eb.Forms, BatchSize: 500, Registerer: reg, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		eb.Store.UseEnqueuer(q)
		form, _ := eb.Forms.Form("bostotte")
		body, err := os.ReadFile("../examples/bostotte/application.json")
		if err != nil {
			t.Fatal(err)
		}
		b := &sealBundle{store: eb.Store, queue: q, form: form, body: body}
		ids := b.submit(t, 2)
		res, err := eb.Store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: ids[0], Agency: "husbanken"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eb.Store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: ids[1], Agency: "husbanken", Reasons: []string{"costsAboveCeiling"}}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Hour)
		if _, _, err := eb.Store.Batches.SealBatch(ctx, res.Batch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := eb.Store.Batches.RecordDelivery(ctx, res.Batch.ID, "system:deliver", nil); err != nil {
			t.Fatal(err)
		}
		scrape := func() string {
			rec := httptest.NewRecorder()
			promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			text, _ := io.ReadAll(rec.Body)
			return string(text)
		}
		text := scrape()
		for _, want := range []string{
			`skjema_statistics_applications{channel="digital",kommune="0301",month="2026-03"} 2`,
			`skjema_statistics_applications{channel="paper",kommune="0301",month="2026-03"} 0`,
			`skjema_statistics_applications{channel="digital",kommune="0301",month="2025-04"} 0`, // the first of the 12 months
			`skjema_statistics_routed{kommune="0301",month="2026-03"} 2`,
			`skjema_statistics_straight_through{kommune="0301",month="2026-03"} 1`,
			`skjema_statistics_submit_to_delivery_seconds{kommune="0301",month="2026-03",quantile="0.5"} 7200`,
			`skjema_statistics_submit_to_delivery_seconds{kommune="0301",month="2026-03",quantile="0.9"} 7200`,
			`skjema_statistics_submit_to_delivery_seconds_count{kommune="0301",month="2026-03"} 1`,
			`skjema_statistics_caseworker_queue_seconds_count{kommune="0301",month="2026-03"} 0`,
			`skjema_statistics_rejections{by="agency",kommune="0301",month="2026-03"} 0`,
		} {
			if !strings.Contains(text, want+"\n") {
				t.Errorf("metrics lack %s", want)
			}
		}
		if t.Failed() {
			t.Logf("metrics:\n%s", text)
		}

		// Another application is counted once the figures are old enough.
		b.submit(t, 1)
		if text := scrape(); !strings.Contains(text, `skjema_statistics_applications{channel="digital",kommune="0301",month="2026-03"} 2`+"\n") {
			t.Error("the statistics were read again within statisticsEvery")
		}
		now = now.Add(statisticsEvery)
		if text := scrape(); !strings.Contains(text, `skjema_statistics_applications{channel="digital",kommune="0301",month="2026-03"} 3`+"\n") {
			t.Error("the statistics were not read again after statisticsEvery")
		}
	})
}
