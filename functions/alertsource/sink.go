package alertsource

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// DefaultSendTimeout bounds one delivery. A Broker ingress answers in milliseconds; waiting
// longer only delays the 502 that makes Alertmanager retry.
const DefaultSendTimeout = 10 * time.Second

// SendConcurrency bounds the deliveries of one webhook in flight at once. One at a time, a
// group of a hundred alerts would wait for a hundred round trips through the Broker to the
// alert handler; a few at once overlap them. Kept small because one webhook should not take
// all of the alert handler's containerConcurrency (10 in the chart) or open many connections
// to the Broker ingress, and Alertmanager may post several groups at once.
const SendConcurrency = 8

// Sink delivers events to one CloudEvents HTTP target (K_SINK), in binary content mode.
type Sink struct {
	target    string
	client    cloudevents.Client
	transport *http.Transport
}

// NewSink returns a Sink for target, which must be an absolute http(s) URL. It has its own
// transport so Close releases exactly its connections.
func NewSink(target string, timeout time.Duration) (*Sink, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sink %q: must be an absolute http(s) URL", target)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a connection per concurrent send: with the default of 2 idle connections per host,
	// every burst beyond 2 would open and close connections to the sink.
	tr.MaxIdleConnsPerHost = SendConcurrency
	c, err := cloudevents.NewClientHTTP(cehttp.WithClient(http.Client{Transport: tr, Timeout: timeout}))
	if err != nil {
		return nil, fmt.Errorf("cloudevents client: %w", err)
	}
	return &Sink{target: target, client: c, transport: tr}, nil
}

// Target is the URL events go to.
func (s *Sink) Target() string { return s.target }

// DeliveryError is one event the sink did not acknowledge.
type DeliveryError struct {
	EventID string
	// StatusCode is the sink's HTTP answer, or 0 when there was none (refused, timed out).
	StatusCode int
	Err        error
}

func (e *DeliveryError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("event %s: sink unreachable: %v", e.EventID, e.Err)
	}
	return fmt.Sprintf("event %s: sink answered %d: %v", e.EventID, e.StatusCode, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Permanent reports whether re-sending the same event cannot help: the sink understood the
// request and refused it (4xx; 408 and 429 only say "later").
// The source counts them (result "refused"), logs them loudly because they need a human,
// and does not fail the webhook for them: Alertmanager's retry would get the same answer.
func (e *DeliveryError) Permanent() bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 &&
		e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

// Send delivers one event and returns nil only when the sink acknowledged it (2xx); any other
// outcome is a *DeliveryError.
func (s *Sink) Send(ctx context.Context, e event.Event) error {
	res := s.client.Send(cloudevents.ContextWithTarget(ctx, s.target), e)
	if cloudevents.IsACK(res) {
		return nil
	}
	de := &DeliveryError{EventID: e.ID(), Err: res}
	var hr *cehttp.Result
	if errors.As(res, &hr) {
		de.StatusCode = hr.StatusCode
	}
	return de
}

// SendAll tries every event even after a failure, so one refused event does not hold back
// the others, and stops early only when ctx ends. Up to SendConcurrency events are in flight
// at once, so the sink sees them in no particular order (a Broker keeps none either; each
// event stands alone with its own id). It returns one result per event, in the order of
// events: nil when the sink acknowledged it, else why not.
func (s *Sink) SendAll(ctx context.Context, events []event.Event) []error {
	results := make([]error, len(events))
	slots := make(chan struct{}, SendConcurrency)
	var wg sync.WaitGroup
	for i, e := range events {
		if err := ctx.Err(); err != nil {
			results[i] = notAttempted(e, err)
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			results[i] = notAttempted(e, ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			results[i] = s.Send(ctx, e)
		}()
	}
	wg.Wait()
	return results
}

func notAttempted(e event.Event, err error) error {
	return fmt.Errorf("event %s: not attempted: %w", e.ID(), err)
}

// Close drops idle connections to the sink.
func (s *Sink) Close() { s.transport.CloseIdleConnections() }
