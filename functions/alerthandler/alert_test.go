package alerthandler

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/go-cmp/cmp"
)

func alertEvent(typ string, ext map[string]string, data any) event.Event {
	e := event.New()
	e.SetID("id-1")
	e.SetSource("http://alertmanager/#/receivers/devenvs")
	e.SetType(typ)
	for k, v := range ext {
		e.SetExtension(k, v)
	}
	if data != nil {
		_ = e.SetData(event.ApplicationJSON, data)
	}
	return e
}

// rawDataEvent is a firing alert whose data is exactly raw, and no extensions.
func rawDataEvent(raw string) event.Event {
	e := alertEvent(TypeFiring, nil, nil)
	_ = e.SetData(event.ApplicationJSON, []byte(raw))
	return e
}

var idleExt = map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": "demo", "severity": "info"}

func TestParseAlert(t *testing.T) {
	tests := []struct {
		name       string
		in         event.Event
		want       alert
		wantPoison bool
		wantMsg    string // part of the poison error's message, when set
	}{{
		name: "firing with summary",
		in:   alertEvent(TypeFiring, idleExt, map[string]any{"annotations": map[string]string{"summary": "idle for 30m"}}),
		want: alert{firing: true, name: AlertIdleCPU, team: "alpha", env: "demo", summary: "idle for 30m"},
	}, {
		name: "resolved without data",
		in:   alertEvent(TypeResolved, idleExt, nil),
		want: alert{name: AlertIdleCPU, team: "alpha", env: "demo"},
	}, {
		name: "labels in the data when extensions are missing",
		in: alertEvent(TypeFiring, nil, map[string]any{
			"labels": map[string]string{"alertname": AlertHighMemVsRequest, "team": "beta", "env": "x"},
		}),
		want: alert{firing: true, name: AlertHighMemVsRequest, team: "beta", env: "x"},
	}, {
		name:       "not an alert type",
		in:         alertEvent("dev.knative.sources.ping", idleExt, nil),
		wantPoison: true,
	}, {
		name:       "no env extension",
		in:         alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha"}, nil),
		wantPoison: true,
	}, {
		name:       "data is not an object",
		in:         alertEvent(TypeFiring, idleExt, []int{1, 2}),
		wantPoison: true,
	}, {
		// Issue 14 item 18: a name the API refuses is poison, not a 503 the Broker retries.
		name:       "env is a path",
		in:         alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": "../../x"}, nil),
		wantPoison: true,
		wantMsg:    `invalid value: ../../x: env`,
	}, {
		name:       "env in capitals",
		in:         alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": "Demo"}, nil),
		wantPoison: true,
		wantMsg:    `invalid value: Demo: env`,
	}, {
		name:       "env longer than the API allows",
		in:         alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": strings.Repeat("a", 41)}, nil),
		wantPoison: true,
		wantMsg:    "must be at most 40 characters",
	}, {
		// Issue 14 item 19: the last of two "env" labels would win; refuse instead.
		name:       "duplicate key in the data",
		in:         rawDataEvent(`{"labels":{"alertname":"EnvIdleCPU","team":"alpha","env":"demo","env":"victim"}}`),
		wantPoison: true,
		wantMsg:    `duplicate key "labels.env"`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAlert(tc.in)
			var poison *errPoison
			if tc.wantPoison {
				if !errors.As(err, &poison) {
					t.Fatalf("err = %v, want a poison error", err)
				}
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("err = %v, want it to say %q", err, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(alert{})); diff != "" {
				t.Errorf("alert (-want +got):\n%s", diff)
			}
		})
	}
}
