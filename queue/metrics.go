package queue

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	jobs *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skjema_jobs_total", Help: "Jobs worked, by kind and outcome.",
	}, []string{"kind", "outcome"})}
	if reg != nil {
		reg.MustRegister(m.jobs)
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
