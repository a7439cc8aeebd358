package alertsource

import (
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/alertmanager/template"
)

func TestEventIDGolden(t *testing.T) {
	// Ids are a contract with the alert handler's dedup store: changing how they are made
	// turns every re-sent alert after an upgrade into a new event. Change this value only on
	// purpose. (printf '%s' 'b5d3c8a1e2f40967|firing|2026-03-02T09:14:05.123456789Z' | sha256sum)
	got := EventID("b5d3c8a1e2f40967", StatusFiring, time.Date(2026, 3, 2, 9, 14, 5, 123456789, time.UTC))
	if want := "746ebc39edf5303439b7d8f202dd8a55"; got != want {
		t.Errorf("EventID = %s, want %s", got, want)
	}
	if _, err := hex.DecodeString(got); err != nil || len(got) != 32 {
		t.Errorf("EventID = %q, want 32 hex digits", got)
	}
}

// TestEventIDStability maps pairs of alerts (as Alertmanager sends them) to events and checks
// whether they share an id.
func TestEventIDStability(t *testing.T) {
	base := testAlert("3f1c", "demo")
	cest := time.FixedZone("CEST", 2*60*60)
	tests := []struct {
		name   string
		change func(a template.Alert, m Message) (template.Alert, Message)
		same   bool
	}{{
		name:   "identical re-send",
		change: func(a template.Alert, m Message) (template.Alert, Message) { return a, m },
		same:   true,
	}, {
		name: "re-sent in a later notification of the group",
		change: func(a template.Alert, m Message) (template.Alert, Message) {
			// What changes between Alertmanager's re-sends of a firing alert.
			a.EndsAt = a.StartsAt.Add(time.Hour)
			a.Annotations = template.KV{"summary": "still idle", "description": "value changed"}
			m.GroupKey = "another group key"
			m.TruncatedAlerts = 3
			return a, m
		},
		same: true,
	}, {
		name: "same startsAt in another time zone",
		change: func(a template.Alert, m Message) (template.Alert, Message) {
			a.StartsAt = a.StartsAt.In(cest)
			return a, m
		},
		same: true,
	}, {
		name: "resolved instead of firing",
		change: func(a template.Alert, m Message) (template.Alert, Message) {
			a.Status = StatusResolved
			a.EndsAt = a.StartsAt.Add(time.Hour)
			return a, m
		},
		same: false,
	}, {
		name: "new episode: different startsAt",
		change: func(a template.Alert, m Message) (template.Alert, Message) {
			a.StartsAt = a.StartsAt.Add(2 * time.Hour)
			return a, m
		},
		same: false,
	}, {
		name: "startsAt differs by a nanosecond",
		change: func(a template.Alert, m Message) (template.Alert, Message) {
			a.StartsAt = a.StartsAt.Add(time.Nanosecond)
			return a, m
		},
		same: false,
	}, {
		name: "another alert (fingerprint)",
		change: func(a template.Alert, m Message) (template.Alert, Message) {
			a.Fingerprint = "9a2b"
			return a, m
		},
		same: false,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(base)
			first := mustEvent(t, &m, base)
			a2, m2 := tt.change(cloneAlert(base), testMessage())
			second := mustEvent(t, &m2, a2)
			if got := first.ID() == second.ID(); got != tt.same {
				t.Errorf("ids %s and %s: same = %v, want %v", first.ID(), second.ID(), got, tt.same)
			}
		})
	}
}

// eventView is what consumers see of an event besides its data.
type eventView struct {
	ID, Type, Source, Subject, DataContentType string
	Time                                       time.Time
	Extensions                                 map[string]any
}

func viewOf(e event.Event) eventView {
	return eventView{
		ID: e.ID(), Type: e.Type(), Source: e.Source(), Subject: e.Subject(),
		DataContentType: e.DataContentType(), Time: e.Time(), Extensions: e.Extensions(),
	}
}

func TestNewEvent(t *testing.T) {
	starts := time.Date(2026, 3, 2, 9, 14, 5, 123456789, time.UTC)
	ends := starts.Add(40 * time.Minute)
	withLabels := func(status string, labels template.KV) template.Alert {
		a := template.Alert{Status: status, Labels: labels, StartsAt: starts, Fingerprint: "b5d3c8a1e2f40967"}
		if status == StatusResolved {
			a.EndsAt = ends
		}
		return a
	}
	all := template.KV{"alertname": "EnvIdleCPU", "team": "alpha", "env": "demo", "namespace": "devenvs-alpha", "severity": "info", "pod": "demo-0"}
	tests := []struct {
		name        string
		externalURL string
		alert       template.Alert
		want        eventView
	}{{
		name:        "firing with every label",
		externalURL: "http://alertmanager.monitoring.svc:9093",
		alert:       withLabels(StatusFiring, all),
		want: eventView{
			ID:              "746ebc39edf5303439b7d8f202dd8a55",
			Type:            "dev.devenvs.alert.firing",
			Source:          "http://alertmanager.monitoring.svc:9093/#/receivers/devenvs",
			Subject:         "EnvIdleCPU",
			DataContentType: "application/json",
			Time:            starts,
			Extensions: map[string]any{
				"team": "alpha", "env": "demo", "alertname": "EnvIdleCPU",
				"namespace": "devenvs-alpha", "severity": "info",
			},
		},
	}, {
		name:        "resolved: time is endsAt; trailing slash of externalURL dropped",
		externalURL: "https://am.example/prefix/",
		alert:       withLabels(StatusResolved, all),
		want: eventView{
			ID:              EventID("b5d3c8a1e2f40967", StatusResolved, starts),
			Type:            "dev.devenvs.alert.resolved",
			Source:          "https://am.example/prefix/#/receivers/devenvs",
			Subject:         "EnvIdleCPU",
			DataContentType: "application/json",
			Time:            ends,
			Extensions: map[string]any{
				"team": "alpha", "env": "demo", "alertname": "EnvIdleCPU",
				"namespace": "devenvs-alpha", "severity": "info",
			},
		},
	}, {
		name:        "missing and empty labels leave their extensions out",
		externalURL: "http://am:9093",
		alert:       withLabels(StatusFiring, template.KV{"alertname": "Watchdog", "team": ""}),
		want: eventView{
			ID:              EventID("b5d3c8a1e2f40967", StatusFiring, starts),
			Type:            "dev.devenvs.alert.firing",
			Source:          "http://am:9093/#/receivers/devenvs",
			Subject:         "Watchdog",
			DataContentType: "application/json",
			Time:            starts,
			Extensions:      map[string]any{"alertname": "Watchdog"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(tt.alert)
			m.ExternalURL = tt.externalURL
			e := mustEvent(t, &m, tt.alert)
			if diff := cmp.Diff(tt.want, viewOf(e)); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewEventData(t *testing.T) {
	m := exampleMessage(t)
	e := mustEvent(t, &m, m.Alerts[0])
	var got AlertData
	if err := json.Unmarshal(e.Data(), &got); err != nil {
		t.Fatalf("data is not JSON: %v", err)
	}
	a := m.Alerts[0]
	want := AlertData{
		Status: a.Status, Labels: a.Labels, Annotations: a.Annotations,
		StartsAt: a.StartsAt, EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint,
		GroupKey: m.GroupKey, Receiver: "devenvs", ExternalURL: "http://alertmanager.monitoring.svc:9093",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}

func TestSource(t *testing.T) {
	tests := []struct{ externalURL, receiver, want string }{
		{"http://am:9093", "devenvs", "http://am:9093/#/receivers/devenvs"},
		{"http://am:9093/", "devenvs", "http://am:9093/#/receivers/devenvs"},
		{"http://am:9093", "team alpha/ops", "http://am:9093/#/receivers/team%20alpha%2Fops"},
	}
	for _, tt := range tests {
		if got := Source(tt.externalURL, tt.receiver); got != tt.want {
			t.Errorf("Source(%q, %q) = %q, want %q", tt.externalURL, tt.receiver, got, tt.want)
		}
	}
}

func TestEventsKeepsOrder(t *testing.T) {
	m := testMessage(testAlert("a", "one"), testAlert("b", "two"), testAlert("c", "three"))
	m.Alerts[1].Status = StatusResolved
	events, err := Events(&m)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, e := range events {
		got = append(got, [2]string{e.Extensions()[ExtEnv].(string), e.Type()})
	}
	want := [][2]string{{"one", TypeFiring}, {"two", TypeResolved}, {"three", TypeFiring}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func mustEvent(t *testing.T, m *Message, a template.Alert) event.Event {
	t.Helper()
	e, err := NewEvent(m, a)
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	return e
}

func cloneAlert(a template.Alert) template.Alert {
	c := a
	c.Labels = template.KV{}
	for k, v := range a.Labels {
		c.Labels[k] = v
	}
	return c
}
