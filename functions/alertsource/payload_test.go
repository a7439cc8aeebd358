package alertsource

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/alertmanager/template"
	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/httpx"
)

func TestDecodeExample(t *testing.T) {
	data, err := readExample()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Decode(example.json): %v", err)
	}
	got := struct {
		Version, GroupKey, Receiver, ExternalURL string
		Alerts                                   int
		Team, Env, Alertname                     string
	}{m.Version, m.GroupKey, m.Receiver, m.ExternalURL, len(m.Alerts),
		m.Alerts[0].Labels["team"], m.Alerts[0].Labels["env"], m.Alerts[0].Labels["alertname"]}
	want := got
	want.Version, want.Receiver, want.ExternalURL, want.Alerts = "4", "devenvs", "http://alertmanager.monitoring.svc:9093", 1
	want.Team, want.Env, want.Alertname = "alpha", "demo", "EnvIdleCPU"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("example.json (-want +got):\n%s", diff)
	}
}

// TestDecodeInvalid checks that each malformed payload is refused with the path of the field
// at fault, which is what the 400 body shows to whoever configured the webhook.
func TestDecodeInvalid(t *testing.T) {
	valid := func(mut func(m *Message)) []byte {
		m := testMessage(testAlert("fp0", "demo"), testAlert("fp1", "demo2"), testAlert("fp2", "demo3"))
		mut(&m)
		return mustJSON(m)
	}
	tests := []struct {
		name  string
		body  []byte
		paths []string
	}{
		{"empty body", nil, []string{"body"}},
		{"not JSON", []byte(`{"version": "4",`), []string{"body"}},
		{"trailing data", append(valid(func(*Message) {}), []byte(`{}`)...), []string{"body"}},
		{"wrong type", []byte(`{"version": "4", "alerts": "many"}`), []string{"alerts"}},
		// Issue 14 item 19: two "team" labels would make the last one win; refused, naming it.
		{"duplicate label", bytes.Replace(valid(func(*Message) {}), []byte(`"team":"alpha"`), []byte(`"team":"alpha","team":"beta"`), 1), []string{"alerts[0].labels.team"}},
		{"duplicate top-level key", bytes.Replace(valid(func(*Message) {}), []byte(`"version":"4"`), []byte(`"version":"4","version":"4"`), 1), []string{"version"}},
		{"version 3", valid(func(m *Message) { m.Version = "3" }), []string{"version"}},
		{"version missing", valid(func(m *Message) { m.Version = "" }), []string{"version"}},
		{"no alerts", valid(func(m *Message) { m.Alerts = nil }), []string{"alerts"}},
		{"third alert without fingerprint", valid(func(m *Message) { m.Alerts[2].Fingerprint = "" }), []string{"alerts[2].fingerprint"}},
		{"alert without alertname", valid(func(m *Message) { delete(m.Alerts[1].Labels, "alertname") }), []string{"alerts[1].labels.alertname"}},
		{"alert without labels", valid(func(m *Message) { m.Alerts[0].Labels = nil }), []string{"alerts[0].labels.alertname"}},
		{"unknown alert status", valid(func(m *Message) { m.Alerts[0].Status = "pending" }), []string{"alerts[0].status"}},
		{"alert without startsAt", valid(func(m *Message) { m.Alerts[1].StartsAt = time.Time{} }), []string{"alerts[1].startsAt"}},
		{"no receiver", valid(func(m *Message) { m.Receiver = "" }), []string{"receiver"}},
		{"no externalURL", valid(func(m *Message) { m.ExternalURL = "" }), []string{"externalURL"}},
		{"relative externalURL", valid(func(m *Message) { m.ExternalURL = "alertmanager:9093" }), []string{"externalURL"}},
		{"every problem at once", valid(func(m *Message) {
			m.Version = "5"
			m.Alerts[0].Fingerprint = ""
			m.Alerts[2].Labels["alertname"] = ""
		}), []string{"alerts[0].fingerprint", "alerts[2].labels.alertname", "version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.body))
			var fe *apis.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode() error = %v, want a *apis.FieldError", err)
			}
			var paths []string
			for _, p := range httpx.FieldProblems(fe) {
				paths = append(paths, p.Path)
			}
			// FieldError groups problems by message, so only the set of paths is stable.
			sort.Strings(paths)
			if diff := cmp.Diff(tt.paths, paths); diff != "" {
				t.Errorf("field paths (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	big := testMessage(testAlert("fp0", "demo"))
	big.Alerts[0].Annotations["description"] = strings.Repeat("x", 2<<20)
	body := mustJSON(big)
	// The limit comes from http.MaxBytesReader, as httpx.Chain installs it.
	r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(body)), 1<<20)
	_, err := Decode(r)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decode() error = %v, want ErrTooLarge", err)
	}
}

func TestDecodeAcceptsUnknownFields(t *testing.T) {
	// Fields added by later Alertmanager versions must not break decoding.
	body := `{"version":"4","receiver":"devenvs","externalURL":"http://am:9093","notification_reason":"x",
	  "alerts":[{"status":"firing","labels":{"alertname":"A"},"fingerprint":"f","startsAt":"2026-03-02T09:00:00Z","newField":1}]}`
	m, err := Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := []template.Alert{{
		Status: "firing", Labels: template.KV{"alertname": "A"}, Fingerprint: "f",
		StartsAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}}
	if diff := cmp.Diff(want, []template.Alert(m.Alerts)); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
}
