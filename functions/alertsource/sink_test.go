package alertsource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/alertmanager/template"
)

func testEvents(t *testing.T, n int) []event.Event {
	t.Helper()
	var alerts []template.Alert
	for i := range n {
		alerts = append(alerts, testAlert(string(rune('a'+i)), "demo"))
	}
	m := testMessage(alerts...)
	events, err := Events(&m)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// TestSendStatusCodes is the retry contract in one table: only a 2xx counts as delivered.
func TestSendStatusCodes(t *testing.T) {
	tests := []struct {
		status    int
		delivered bool
		permanent bool
	}{
		{http.StatusOK, true, false},
		{http.StatusAccepted, true, false},
		{http.StatusNoContent, true, false},
		{http.StatusBadRequest, false, true},
		{http.StatusNotFound, false, true},
		{http.StatusRequestTimeout, false, false},
		{http.StatusTooManyRequests, false, false},
		{http.StatusInternalServerError, false, false},
		{http.StatusServiceUnavailable, false, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, ids := statusSink(t, func(string) int { return tt.status })
			s, err := NewSink(srv.URL, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			e := testEvents(t, 1)[0]
			err = s.Send(context.Background(), e)
			if diff := cmp.Diff([]string{e.ID()}, ids()); diff != "" {
				t.Errorf("sink received (-want +got):\n%s", diff)
			}
			if tt.delivered {
				if err != nil {
					t.Errorf("Send() = %v, want nil", err)
				}
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("Send() = %v, want a *DeliveryError", err)
			}
			got := [3]any{de.EventID, de.StatusCode, de.Permanent()}
			if diff := cmp.Diff([3]any{e.ID(), tt.status, tt.permanent}, got); diff != "" {
				t.Errorf("DeliveryError{EventID, StatusCode, Permanent()} (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendUnreachable(t *testing.T) {
	s, err := NewSink(closedURL(t), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), testEvents(t, 1)[0])
	var de *DeliveryError
	if !errors.As(err, &de) || de.StatusCode != 0 || de.Permanent() {
		t.Fatalf("Send() = %#v, want a *DeliveryError without status, not permanent", err)
	}
}

func TestSendAllTriesEveryEvent(t *testing.T) {
	// The second of three events is refused; the others must still be sent, and each result
	// must be the one of its own event.
	events := testEvents(t, 3)
	srv, ids := statusSink(t, refusing(events[1].ID()))
	s, err := NewSink(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	results := s.SendAll(context.Background(), events)
	var got []bool
	for _, r := range results {
		got = append(got, r == nil)
	}
	if diff := cmp.Diff([]bool{true, false, true}, got); diff != "" {
		t.Errorf("delivered per event (-want +got):\n%s", diff)
	}
	var de *DeliveryError
	if !errors.As(results[1], &de) || de.EventID != events[1].ID() || de.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("results[1] = %v, want the refusal of %s", results[1], events[1].ID())
	}
	want := []string{events[0].ID(), events[1].ID(), events[2].ID()}
	if diff := cmp.Diff(want, ids(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("sink received (-want +got):\n%s", diff)
	}
}

// TestSendAllBoundsConcurrency holds every delivery in the sink until SendConcurrency of them
// are in flight together: SendAll must reach that bound, never pass it, and still deliver
// every event exactly once with its result in its own place.
func TestSendAllBoundsConcurrency(t *testing.T) {
	events := testEvents(t, 3*SendConcurrency)
	var mu sync.Mutex
	inFlight, most := 0, 0
	full := make(chan struct{})
	release := sync.OnceFunc(func() { close(full) })
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := cloudevents.NewEventFromHTTPRequest(r)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		seen[e.ID()]++
		inFlight++
		most = max(most, inFlight)
		if inFlight == SendConcurrency {
			release() // the bound is reached: let everything through
		}
		mu.Unlock()
		select {
		case <-full:
		case <-time.After(waitTimeout): // a SendAll below the bound never fills up: fail below, not hang
			release()
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		if e.ID() == events[5].ID() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s, err := NewSink(srv.URL, 2*waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	results := s.SendAll(context.Background(), events)
	mu.Lock()
	defer mu.Unlock()
	if most != SendConcurrency {
		t.Errorf("at most %d deliveries in flight, want exactly %d", most, SendConcurrency)
	}
	for i, e := range events {
		if seen[e.ID()] != 1 {
			t.Errorf("event %d delivered %d times, want 1", i, seen[e.ID()])
		}
		if failed := results[i] != nil; failed != (i == 5) {
			t.Errorf("results[%d] = %v", i, results[i])
		}
	}
}

func TestSendAllStopsWhenContextEnds(t *testing.T) {
	srv, ids := statusSink(t, func(string) int { return http.StatusAccepted })
	s, err := NewSink(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	results := s.SendAll(ctx, testEvents(t, 2))
	for i, r := range results {
		if !errors.Is(r, context.Canceled) {
			t.Errorf("results[%d] = %v, want context.Canceled", i, r)
		}
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("sink received %v after the context ended", got)
	}
}

func TestNewSinkRejectsBadTargets(t *testing.T) {
	for _, target := range []string{"", "broker-ingress", "ftp://broker", "http://", "://x"} {
		if _, err := NewSink(target, time.Second); err == nil {
			t.Errorf("NewSink(%q) = nil error, want one", target)
		}
	}
}
