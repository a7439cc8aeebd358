package alertsource

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/devenvs/devenvs/shared/httpx"
)

// sendBudget bounds all deliveries of one request. func-go's server has a 30 s write
// timeout; answering 502 before it keeps Alertmanager's retry informed instead of cut off.
const sendBudget = 20 * time.Second

// Response is the body of a successful webhook call.
type Response struct {
	Sent int `json:"sent"`
}

// webhook turns one Alertmanager notification into one event per alert. The status codes
// are the retry contract with Alertmanager, which retries 5xx and gives up on 4xx: a bad
// payload or token will not get better, an unavailable sink will.
func (f *Function) webhook(w http.ResponseWriter, r *http.Request) {
	st := f.state.Load()
	if st == nil {
		httpx.WriteError(w, r, http.StatusServiceUnavailable, errors.New("alertsource not started"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpx.WriteError(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed: use POST", r.Method))
		return
	}
	if err := st.token.Check(r); err != nil {
		httpx.WriteAuthError(w, r, err)
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
	events, err := Events(msg)
	if err != nil {
		// Validate covers what the mapping needs, so this is input the checks missed.
		httpx.WriteError(w, r, http.StatusBadRequest, fmt.Errorf("alertmanager payload: %w", err))
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), sendBudget)
	defer cancel()
	results := st.sink.SendAll(ctx, events)
	sent := 0
	var failures []error
	for i, err := range results {
		e := events[i]
		if err == nil {
			sent++
			f.metrics.events.WithLabelValues(e.Type(), resultSent).Inc()
			continue
		}
		f.metrics.events.WithLabelValues(e.Type(), resultFailed).Inc()
		failures = append(failures, err)
		fields := logrus.Fields{"event_id": e.ID(), "type": e.Type(), "subject": e.Subject()}
		var de *DeliveryError
		if errors.As(err, &de) {
			fields["sink_status"] = de.StatusCode
			fields["permanent"] = de.Permanent()
		}
		log.WithFields(fields).WithError(err).Error("event not delivered")
	}
	if len(failures) > 0 {
		// Even if some events went through: Alertmanager re-sends the whole group, and the
		// stable ids turn the re-sent ones into duplicates the alert handler drops.
		httpx.WriteError(w, r, http.StatusBadGateway,
			fmt.Errorf("%d of %d events not delivered to %s: %w", len(failures), len(events), st.sink.Target(), errors.Join(failures...)))
		return
	}
	log.WithField("sent", sent).Info("alerts forwarded")
	httpx.WriteJSON(w, http.StatusOK, Response{Sent: sent})
}
