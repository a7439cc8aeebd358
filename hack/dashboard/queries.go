package main

import "fmt"

// The dashboard's PromQL, built from the series docs/monitoring.md names: the recording rules
// of charts/devenvs/files/devenvs.rules.yaml (devenvs:*), kube-state-metrics and the
// functions' own /metrics (shared/httpx, shared/eventlog). Every query is run against a real
// Prometheus by hack/prometheus/dashboard_e2e_test.go.

// teamSel filters the recorded series (label `team`) by the dashboard's team variable.
const teamSel = `team=~"$team"`

// envPods selects kube-state-metrics' label series of environment pods of the chosen teams,
// one per pod even with several kube-state-metrics replicas (the rules' convention).
const envPods = `max by (namespace, pod, label_devenvs_dev_team) (
    kube_pod_labels{label_devenvs_dev_team!="", label_devenvs_dev_team=~"$team", label_devenvs_dev_env!=""}
  )`

// envsByTeamAndPhase counts environment pods by team and phase. A stopped environment has no
// pod, so it is not counted.
const envsByTeamAndPhase = `count by (team, phase) (
  label_replace(
      max by (namespace, pod, phase) (kube_pod_status_phase == 1)
    * on (namespace, pod) group_left (label_devenvs_dev_team)
      ` + envPods + `,
    "team", "$1", "label_devenvs_dev_team", "(.+)"
  )
)`

// envPools maps each environment (namespace, env) to its pool from the pod label
// devenvs.dev/pool (kube-state-metrics must allowlist it, docs/monitoring.md).
const envPools = `max by (namespace, env, pool) (
    label_replace(
      label_replace(
        kube_pod_labels{label_devenvs_dev_env!="", label_devenvs_dev_pool!=""},
        "env", "$1", "label_devenvs_dev_env", "(.+)"
      ),
      "pool", "$1", "label_devenvs_dev_pool", "(.+)"
    )
  )`

// perTeam sums a per-environment recording rule by team.
func perTeam(record string) string {
	return fmt.Sprintf("sum by (team) (%s{%s})", record, teamSel)
}

// perPool sums a per-environment recording rule by the environment's pool.
func perPool(record string) string {
	return fmt.Sprintf("sum by (pool) (\n    %s{%s}\n  * on (namespace, env) group_left (pool)\n  %s\n)", record, teamSel, envPools)
}

// counterIncrease is the increase of a counter over each step, summed by the given labels.
// The counters come from functions that scale to zero: a pod often counts its first action
// before Prometheus first scrapes it, and increase() never sees what a series held at its
// first sample. So a series born within the window counts with its whole value, older ones
// by increase(). The panels set a 1m minimum interval, so $__interval covers two scrapes.
func counterIncrease(selector, by string) string {
	return fmt.Sprintf("sum by (%s) (\n    (%s unless %s offset $__interval)\n  or\n    increase(%s[$__interval])\n)",
		by, selector, selector, selector)
}

// durationQuantile is the q-quantile of the functions' request durations (CORS preflights
// left out: they are answered at once and would pull every quantile down).
func durationQuantile(q string) string {
	return fmt.Sprintf(`histogram_quantile(%s, sum by (function, le) (rate(devenvs_http_request_duration_seconds_bucket{method!="options"}[$__rate_interval])))`, q)
}

// errorRatio is each function's share of requests answered 5xx. The numerator adds the other
// codes times 0, so a function that served requests but no 5xx shows 0 rather than nothing.
const errorRatio = `sum by (function) (
    rate(devenvs_http_requests_total{code=~"5.."}[$__rate_interval])
  or
    rate(devenvs_http_requests_total[$__rate_interval]) * 0
)
/
sum by (function) (rate(devenvs_http_requests_total[$__rate_interval]))`

// sloBudget is the SLO's error budget: both createenv SLOs are 99% (docs/monitoring.md).
const sloBudget = "0.01"

// burnRate is a recorded SLO ratio divided by the budget: 1 spends the budget in exactly the
// SLO's 30 days, 14.4 (the fast page) 2% of it in an hour.
func burnRate(record string) string {
	return record + " / " + sloBudget
}
