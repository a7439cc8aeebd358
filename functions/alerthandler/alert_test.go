package alerthandler

import (
	"errors"
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

var idleExt = map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": "demo", "severity": "info"}

func TestParseAlert(t *testing.T) {
	tests := []struct {
		name       string
		in         event.Event
		want       alert
		wantPoison bool
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
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAlert(tc.in)
			var poison *errPoison
			if tc.wantPoison {
				if !errors.As(err, &poison) {
					t.Fatalf("err = %v, want a poison error", err)
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
