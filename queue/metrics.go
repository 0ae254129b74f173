package queue

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	jobs   *prometheus.CounterVec
	purged *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skjema_jobs_total", Help: "Jobs worked, by kind and outcome.",
	}, []string{"kind", "outcome"}),
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skjema_purged_total", Help: "What the retention purge removed, by kind (draft, file, session, batch_body, upload_chunk).",
		}, []string{"kind"})}
	if reg != nil {
		reg.MustRegister(m.jobs, m.purged)
	}
	return m
}

func (m *metrics) jobDone(kind string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobs.WithLabelValues(kind, outcome).Inc()
}
