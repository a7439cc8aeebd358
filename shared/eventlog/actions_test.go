package eventlog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// TestSafeRecordCountsPlatformActions: the platform's own actions are counted by team,
// action and outcome whether or not the write succeeded; actions a caller asked for are not
// (their team may be any string a caller sent).
func TestSafeRecordCountsPlatformActions(t *testing.T) {
	for _, writeErr := range []error{nil, errors.New("boom")} {
		logger, _ := logtest.NewNullLogger()
		reg := prometheus.NewRegistry()
		s := NewSafe(&fakeLog{err: writeErr}, logrus.NewEntry(logger), reg)
		for _, ev := range []Event{
			{Action: ActionIdleStop, Outcome: OutcomeSuccess, Team: "alpha", Env: "a"},
			{Action: ActionIdleStop, Outcome: OutcomeSuccess, Team: "alpha", Env: "b"},
			{Action: ActionExpire, Outcome: OutcomeFailure, Team: "beta", Env: "c"},
			{Action: ActionIdleWarning, Outcome: OutcomeSuccess, Team: "alpha", Env: "a"},
			{Action: ActionExpiryWarning, Outcome: OutcomeSuccess, Team: "beta", Env: "c"},
			{Action: ActionCreate, Outcome: OutcomeSuccess, Team: "whatever-a-caller-sent", Env: "d"},
			{Action: "access-denied", Outcome: OutcomeFailure, Team: "x", Env: "e"},
		} {
			s.Record(context.Background(), ev)
		}
		want := `
# HELP devenvs_platform_actions_total The platform's own actions on environments (idle-stop, expire and their warnings), by team, action and outcome, counted whether or not the event log write succeeded.
# TYPE devenvs_platform_actions_total counter
devenvs_platform_actions_total{action="expire",outcome="failure",team="beta"} 1
devenvs_platform_actions_total{action="expiry-warning",outcome="success",team="beta"} 1
devenvs_platform_actions_total{action="idle-stop",outcome="success",team="alpha"} 2
devenvs_platform_actions_total{action="idle-warning",outcome="success",team="alpha"} 1
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), ActionsMetric); err != nil {
			t.Errorf("write error %v: %v", writeErr, err)
		}
	}
}

func TestNewActionsCounterSharesRegisteredCounter(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := NewActionsCounter(reg), NewActionsCounter(reg)
	if a != b {
		t.Fatal("second NewActionsCounter on one registry made a new counter")
	}
}
