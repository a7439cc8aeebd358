package alertsource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/prometheus/alertmanager/template"
	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/jsonx"
)

// PayloadVersion is the only Alertmanager webhook payload version this source understands.
const PayloadVersion = "4"

// Alert statuses Alertmanager sends; each maps to one event type.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// ErrTooLarge means the body exceeded the size limit (answer 413, not 400).
var ErrTooLarge = errors.New("request body too large")

// Message is the Alertmanager webhook body. It mirrors notify/webhook.Message field for field
// but is declared here: importing notify/webhook would pull about 300 packages into a function
// that must start fast from zero.
type Message struct {
	template.Data

	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
}

// Decode reads one webhook body and validates it. Errors are *apis.FieldError (answer 400,
// each naming its field) or wrap ErrTooLarge.
func Decode(r io.Reader) (*Message, error) {
	// Read whole (httpx.Chain limits the body) so duplicate keys can be refused first:
	// encoding/json would keep the last of two "team" labels, another reader the first.
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, decodeError(err)
	}
	var dup *jsonx.DuplicateKeyError
	if errors.As(jsonx.CheckDuplicateKeys(data), &dup) {
		return nil, apis.ErrGeneric("duplicate key: a key may appear only once in an object", dup.Path)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	// Unknown fields are accepted on purpose: Alertmanager adds fields within version 4
	// (notification_reason, routeLabels), and rejecting them would break on an upgrade.
	var m Message
	if err := dec.Decode(&m); err != nil {
		return nil, decodeError(err)
	}
	// A second value after the object means the body is not the JSON document we think it is.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, decodeError(err)
		}
		return nil, apis.ErrGeneric("unexpected data after the JSON object", "body")
	}
	if fe := m.Validate(); fe != nil {
		return nil, fe
	}
	return &m, nil
}

// decodeError turns a JSON decoding failure into a field error, or ErrTooLarge when the body
// limit (http.MaxBytesReader, set by httpx.Chain) cut the body off.
func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return fmt.Errorf("%w: limit is %d bytes", ErrTooLarge, tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return apis.ErrMissingField("body")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// encoding/json names fields of the embedded template.Data as "Data.<name>"; the
		// sender knows them by their JSON names only.
		field := strings.TrimPrefix(typeErr.Field, "Data.")
		return apis.ErrInvalidValue(typeErr.Value, field, fmt.Sprintf("wrong JSON type for %s", typeErr.Type))
	default:
		return apis.ErrGeneric("invalid JSON: "+err.Error(), "body")
	}
}

// Validate checks what the event mapping relies on and returns every problem at once, so a
// misconfigured webhook is fixed in one round.
func (m *Message) Validate() *apis.FieldError {
	var errs *apis.FieldError
	if m.Version != PayloadVersion {
		errs = errs.Also(apis.ErrInvalidValue(m.Version, "version", `must be "4" (Alertmanager webhook payload version)`))
	}
	if m.Receiver == "" {
		errs = errs.Also(apis.ErrMissingField("receiver"))
	}
	// externalURL becomes the CloudEvents source, which consumers use with the id to
	// deduplicate, so it must be present and absolute.
	if m.ExternalURL == "" {
		errs = errs.Also(apis.ErrMissingField("externalURL"))
	} else if u, err := url.Parse(m.ExternalURL); err != nil || !u.IsAbs() || u.Host == "" {
		errs = errs.Also(apis.ErrInvalidValue(m.ExternalURL, "externalURL", "must be an absolute URL"))
	}
	if len(m.Alerts) == 0 {
		errs = errs.Also(apis.ErrMissingField("alerts"))
	}
	for i, a := range m.Alerts {
		errs = errs.Also(validateAlert(a).ViaFieldIndex("alerts", i))
	}
	return errs
}

// validateAlert checks the fields the event id, type and subject are made from.
func validateAlert(a template.Alert) *apis.FieldError {
	var errs *apis.FieldError
	if a.Fingerprint == "" {
		errs = errs.Also(apis.ErrMissingField("fingerprint"))
	}
	if a.Labels["alertname"] == "" {
		errs = errs.Also(apis.ErrMissingField("labels.alertname"))
	}
	if a.Status != StatusFiring && a.Status != StatusResolved {
		errs = errs.Also(apis.ErrInvalidValue(a.Status, "status", `must be "firing" or "resolved"`))
	}
	if a.StartsAt.IsZero() {
		errs = errs.Also(apis.ErrMissingField("startsAt"))
	}
	return errs
}
