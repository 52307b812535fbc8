package jobs

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are always counted; they are exported only when Options.Registerer is set.
type metrics struct {
	completed *prometheus.CounterVec
	failed    *prometheus.CounterVec // parked after the last attempt
	retried   *prometheus.CounterVec // failed attempts that will be retried
	rescued   *prometheus.CounterVec // leases found expired
	running   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"kind"})
	}
	m := &metrics{
		completed: counter("parley_jobs_completed_total", "Jobs whose handler succeeded."),
		failed:    counter("parley_jobs_failed_total", "Jobs parked as failed after their last attempt."),
		retried:   counter("parley_jobs_retried_total", "Failed attempts scheduled for a retry."),
		rescued:   counter("parley_jobs_rescued_total", "Running jobs whose lease expired (runner lost)."),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_jobs_running",
			Help: "Job handlers running on this node.",
		}),
	}
	if reg == nil {
		return m
	}
	m.completed = register(reg, m.completed)
	m.failed = register(reg, m.failed)
	m.retried = register(reg, m.retried)
	m.rescued = register(reg, m.rescued)
	m.running = register(reg, m.running)
	return m
}

// register registers c, or returns the collector already registered under its name (two Queues in
// one process, as in tests, share the series).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// Only a programming error (a clashing metric name) gets here; count unexported.
		return c
	}
	return c
}
