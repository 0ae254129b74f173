package queue

import (
	"io"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skjema/skjema/engine/enginetest"
)

// TestGauges: the gauges read from the database, on both databases, with
// one application submitted, two in a sealed batch and their jobs queued;
// and the series the alert rules read exist at zero from the start.
func TestGauges(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		reg := prometheus.NewRegistry()
		clock := time.Now()
		b := setupSeal(t, dsn, func(c *Config) {
			c.Registerer = reg
			c.Clock = func() time.Time { return clock }
			c.Agencies = map[string]Agency{"husbanken": {Transport: TransportPush, URL: "http://127.0.0.1:1", Secret: "s"}}
		})
		b.sealedBatch(t, 2)
		b.submit(t, 1)
		clock = clock.Add(90 * time.Second)
		rec := httptest.NewRecorder()
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		text, _ := io.ReadAll(rec.Body)
		for _, want := range []string{
			`skjema_gauges_up 1`,
			`skjema_applications{status="batched"} 2`,
			`skjema_applications{status="submitted"} 1`,
			`skjema_batches{status="sealed"} 1`,
			`skjema_job_queue_depth{kind="deliver_batch",state="available"} 1`,
			`skjema_push_failures_total{agency="husbanken"} 0`,
			`skjema_jobs_total{kind="purge",outcome="ok"} 0`,
		} {
			if !strings.Contains(string(text), want+"\n") {
				t.Errorf("metrics lack %s", want)
			}
		}
		for _, name := range []string{"skjema_oldest_undelivered_seconds", "skjema_oldest_sealed_batch_seconds"} {
			m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(string(text))
			if m == nil {
				t.Errorf("no %s", name)
				continue
			}
			if v, _ := strconv.ParseFloat(m[1], 64); v < 60 || v > 3600 {
				t.Errorf("%s = %v, want about 90 s", name, v)
			}
		}
		if t.Failed() {
			t.Logf("metrics:\n%s", text)
		}
	})
}
