package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	submits  *prometheus.CounterVec
	shed     prometheus.Counter
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skjema_http_requests_total", Help: "HTTP requests, by route and status.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skjema_http_request_duration_seconds", Help: "HTTP request latency, by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		submits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skjema_submits_total", Help: "Submissions, by outcome (created, refused).",
		}, []string{"outcome"}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skjema_http_shed_total", Help: "Requests answered 503 at once because MaxInFlight requests were being handled.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.submits, m.shed)
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// observe logs and counts a request by its route pattern. It never logs the
// path's values, the query string or the body: they may hold personal data.
// A panic in a handler becomes a 500 problem, not a dropped connection.
func (s *Server) observe(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get(headerRequestID))
		w.Header().Set(headerRequestID, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(r.Context(), "handler panicked", "route", r.Pattern, "panic", slog.AnyValue(v).String())
				if rec.status == 0 {
					writeProblem(rec, r, s.log, errInternalPanic)
				}
			}
			route := r.Pattern
			if route == "" || route == "/" {
				route = "unmatched"
			}
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			s.log.InfoContext(r.Context(), "request", "method", r.Method, "route", route, "status", rec.status, "duration_ms", time.Since(start).Milliseconds())
		}()
		next(rec, r)
	})
}

var errInternalPanic = problem(http.StatusInternalServerError, "internal", "Internal error", "something went wrong on our side; try again")
