package alertsource

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/httpx"
)

// sendBudget bounds all deliveries of one request. func-go's server has a 30 s write
// timeout; answering 502 before it keeps Alertmanager's retry informed instead of cut off.
const sendBudget = 20 * time.Second

// Response is the body of a successful webhook call.
type Response struct {
	Sent int `json:"sent"`
	// Skipped alerts named no environment (NamesEnvironment) and became no event.
	Skipped int `json:"skipped,omitempty"`
	// Refused events were refused for good by the sink (a 4xx: DeliveryError.Permanent);
	// they are counted and logged, and the webhook still succeeds, since a retry of the
	// group could not change that answer and would only repeat the events that went through.
	Refused int `json:"refused,omitempty"`
}

// webhook turns one Alertmanager notification into one event per alert. The status codes
// are the retry contract with Alertmanager, which retries 5xx and gives up on 4xx: a bad
// payload or token will not get better, an unavailable sink will. So only a transient
// delivery failure is a 5xx; an event the sink refuses for good is counted and logged, and
// alerts that name no environment are skipped (counted), so that one of them cannot make
// Alertmanager re-send the whole group for ever.
func (f *Function) webhook(w http.ResponseWriter, r *http.Request) {
	st := f.state.Load()
	if st == nil {
		httpx.WriteError(w, r, http.StatusServiceUnavailable, errors.New("alertsource not started"))
		return
	}
	if err := st.token.Check(r); err != nil {
		auth.WriteError(w, r, err)
		return
	}
	msg, err := Decode(r.Body)
	switch {
	case errors.Is(err, ErrTooLarge):
		httpx.WriteError(w, r, http.StatusRequestEntityTooLarge, err)
		return
	case err != nil:
		httpx.WriteError(w, r, http.StatusBadRequest, fmt.Errorf("alertmanager payload: %w", err))
		return
	}
	log := httpx.Logger(r.Context()).WithFields(logrus.Fields{"group_key": msg.GroupKey, "receiver": msg.Receiver})
	if msg.TruncatedAlerts > 0 {
		log.WithField("truncated_alerts", msg.TruncatedAlerts).Warn("Alertmanager dropped alerts from this notification: set max_alerts: 0 on the webhook")
	}
	skipped := 0
	relevant := msg.Alerts[:0:0]
	for _, a := range msg.Alerts {
		if NamesEnvironment(a) {
			relevant = append(relevant, a)
			continue
		}
		skipped++
		f.metrics.skipped.Inc()
		log.WithFields(logrus.Fields{"alertname": a.Labels["alertname"], "fingerprint": a.Fingerprint}).
			Info("alert names no environment (no team or env label): skipped")
	}
	msg.Alerts = relevant
	events, err := Events(msg)
	if err != nil {
		// Validate covers what the mapping needs, so this is input the checks missed.
		httpx.WriteError(w, r, http.StatusBadRequest, fmt.Errorf("alertmanager payload: %w", err))
		return
	}
	for i := range events {
		eventfn.Sign(&events[i], st.eventSecret)
	}

	ctx, cancel := context.WithTimeout(r.Context(), sendBudget)
	defer cancel()
	results := st.sink.SendAll(ctx, events)
	sent, refused := 0, 0
	var failures []error
	for i, err := range results {
		e := events[i]
		if err == nil {
			sent++
			f.metrics.events.WithLabelValues(e.Type(), resultSent).Inc()
			continue
		}
		fields := logrus.Fields{"event_id": e.ID(), "type": e.Type(), "subject": e.Subject()}
		var de *DeliveryError
		if errors.As(err, &de) {
			fields["sink_status"] = de.StatusCode
			fields["permanent"] = de.Permanent()
		}
		log.WithFields(fields).WithError(err).Error("event not delivered")
		if de != nil && de.Permanent() {
			refused++
			f.metrics.events.WithLabelValues(e.Type(), resultRefused).Inc()
			continue
		}
		f.metrics.events.WithLabelValues(e.Type(), resultFailed).Inc()
		failures = append(failures, err)
	}
	if len(failures) > 0 {
		// Even if some events went through: Alertmanager re-sends the whole group, and the
		// stable ids turn the re-sent ones into duplicates the alert handler drops.
		httpx.WriteError(w, r, http.StatusBadGateway,
			fmt.Errorf("%d of %d events not delivered to %s: %w", len(failures), len(events), st.sink.Target(), errors.Join(failures...)))
		return
	}
	log.WithFields(logrus.Fields{"sent": sent, "skipped": skipped, "refused": refused}).Info("alerts forwarded")
	httpx.WriteJSON(w, http.StatusOK, Response{Sent: sent, Skipped: skipped, Refused: refused})
}
