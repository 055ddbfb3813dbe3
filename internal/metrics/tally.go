package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"keybind/internal/jobs"
)

// Tallier counts jobs and the items of unfinished jobs by state;
// *jobs.Engine provides it.
type Tallier interface {
	Tally(ctx context.Context) (jobs.Tally, error)
}

var (
	jobsDesc = prometheus.NewDesc("keybind_jobs",
		"Jobs by state: the derived state of unfinished jobs, and \"finished\" for jobs the engine has no work left for.",
		[]string{"state"}, nil)
	keyStateDesc = prometheus.NewDesc("keybind_job_items_key_state",
		"Items of unfinished jobs by where their key call stands.", []string{"state"}, nil)
	restartStateDesc = prometheus.NewDesc("keybind_job_items_restart_state",
		"Items of unfinished jobs by where making the key take effect stands (\"none\": no restart needed yet).",
		[]string{"state"}, nil)
	tallyUpDesc = prometheus.NewDesc("keybind_state_query_up",
		"1 if the last scrape could count jobs and items in the database, 0 if not.", nil, nil)
)

// tallyCollector asks the database at scrape time: the counts are as fresh
// as the scrape, and nothing keeps them in memory between scrapes.
type tallyCollector struct {
	tally   Tallier
	timeout time.Duration
	log     *slog.Logger
}

func (c *tallyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- keyStateDesc
	ch <- restartStateDesc
	ch <- tallyUpDesc
}

func (c *tallyCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	t, err := c.tally.Tally(ctx)
	if err != nil {
		c.log.Warn("metrics: count jobs and items", "err", err)
		ch <- prometheus.MustNewConstMetric(tallyUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(tallyUpDesc, prometheus.GaugeValue, 1)
	for s, n := range t.Jobs {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), string(s))
	}
	for s, n := range t.KeyStates {
		ch <- prometheus.MustNewConstMetric(keyStateDesc, prometheus.GaugeValue, float64(n), string(s))
	}
	for s, n := range t.RestartStates {
		name := string(s)
		if s == jobs.RestartNone {
			name = "none"
		}
		ch <- prometheus.MustNewConstMetric(restartStateDesc, prometheus.GaugeValue, float64(n), name)
	}
}
