package alertsource

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/alertmanager/template"
)

// Event types, one per alert status. Triggers filter on them.
const (
	TypeFiring   = "dev.devenvs.alert.firing"
	TypeResolved = "dev.devenvs.alert.resolved"
)

// CloudEvents extension attributes set from alert labels, so Broker Triggers can filter on
// them without reading the data. Names follow the CloudEvents rule (lowercase a-z0-9, at most
// 20 characters); an extension is left out when its label is missing or empty.
const (
	ExtTeam      = "team"
	ExtEnv       = "env"
	ExtAlertname = "alertname"
	ExtSeverity  = "severity"
	ExtNamespace = "namespace"
)

// extensionLabels maps each extension to the alert label it copies. The label names are those
// the devenvs rules put on their alerts.
var extensionLabels = map[string]string{
	ExtTeam:      "team",
	ExtEnv:       "env",
	ExtAlertname: "alertname",
	ExtSeverity:  "severity",
	ExtNamespace: "namespace",
}

// idHexLen is the length of an event id: 128 bits of sha256 is ample for uniqueness among
// one Alertmanager's alerts and keeps ids short in logs and dedup stores.
const idHexLen = 32

// AlertData is the JSON data of each event: one alert plus the notification it came in.
type AlertData struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`

	GroupKey    string `json:"groupKey"`
	Receiver    string `json:"receiver"`
	ExternalURL string `json:"externalURL"`
}

// EventID is stable across Alertmanager's re-sends of a group: the same alert (fingerprint)
// in the same state (status) of the same episode (startsAt) always gets the same id, so the
// alert handler can drop duplicates by source+id. A new episode of the same alert, or its
// resolution, is a new event. startsAt is taken in UTC so the zone Alertmanager formats it
// in does not change the id.
func EventID(fingerprint, status string, startsAt time.Time) string {
	key := fingerprint + "|" + status + "|" + startsAt.UTC().Format(time.RFC3339Nano)
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:idHexLen]
}

// Source names the Alertmanager receiver that sent the alert, as the link to that receiver
// in the Alertmanager UI. Two Alertmanagers (or receivers) thus never share an id space.
func Source(externalURL, receiver string) string {
	return strings.TrimSuffix(externalURL, "/") + "/#/receivers/" + url.PathEscape(receiver)
}

// eventType maps a validated alert status to its event type.
func eventType(status string) (string, error) {
	switch status {
	case StatusFiring:
		return TypeFiring, nil
	case StatusResolved:
		return TypeResolved, nil
	default:
		return "", fmt.Errorf("alert status %q is neither %q nor %q", status, StatusFiring, StatusResolved)
	}
}

// NewEvent maps one alert of m to its CloudEvent. It is pure: the same input gives the same
// event, which is what makes re-sent groups produce duplicates rather than new events.
func NewEvent(m *Message, a template.Alert) (event.Event, error) {
	typ, err := eventType(a.Status)
	if err != nil {
		return event.Event{}, err
	}
	e := cloudevents.NewEvent()
	e.SetID(EventID(a.Fingerprint, a.Status, a.StartsAt))
	e.SetType(typ)
	e.SetSource(Source(m.ExternalURL, m.Receiver))
	e.SetSubject(a.Labels["alertname"])
	// The time of the occurrence: when the alert started firing, or when it ended. Both are
	// fixed for an episode, so a duplicate carries the same time too.
	when := a.StartsAt
	if a.Status == StatusResolved && !a.EndsAt.IsZero() {
		when = a.EndsAt
	}
	e.SetTime(when)
	for ext, label := range extensionLabels {
		if v := a.Labels[label]; v != "" {
			e.SetExtension(ext, v)
		}
	}
	data := AlertData{
		Status:       a.Status,
		Labels:       a.Labels,
		Annotations:  a.Annotations,
		StartsAt:     a.StartsAt,
		EndsAt:       a.EndsAt,
		GeneratorURL: a.GeneratorURL,
		Fingerprint:  a.Fingerprint,
		GroupKey:     m.GroupKey,
		Receiver:     m.Receiver,
		ExternalURL:  m.ExternalURL,
	}
	if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return event.Event{}, fmt.Errorf("encode data of alert %s: %w", a.Fingerprint, err)
	}
	if err := e.Validate(); err != nil {
		return event.Event{}, fmt.Errorf("event for alert %s: %w", a.Fingerprint, err)
	}
	return e, nil
}

// NamesEnvironment reports whether a names an environment (team and env labels), the only
// alerts the alert handler can act on. Others (a broad route, a Watchdog) are skipped by the
// source: sent on, each would be refused by the handler, for ever.
func NamesEnvironment(a template.Alert) bool {
	return a.Labels["team"] != "" && a.Labels["env"] != ""
}

// Events maps every alert of m, in order.
func Events(m *Message) ([]event.Event, error) {
	out := make([]event.Event, 0, len(m.Alerts))
	for i, a := range m.Alerts {
		e, err := NewEvent(m, a)
		if err != nil {
			return nil, fmt.Errorf("alerts[%d]: %w", i, err)
		}
		out = append(out, e)
	}
	return out, nil
}
