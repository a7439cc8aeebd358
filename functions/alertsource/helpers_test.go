package alertsource

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/protocol"
	"github.com/prometheus/alertmanager/template"
	"github.com/sirupsen/logrus"

	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/testbed"
)

const testToken = "test-alertsource-token"

// testEventSecret is the shared secret the source signs its events with (eventfn.Token).
const testEventSecret = "test-event-secret"

// waitTimeout bounds every wait in these tests.
const waitTimeout = 15 * time.Second

// exampleMessage is example.json, the payload README and func invoke use, so the example
// cannot drift from what the function accepts.
func exampleMessage(t *testing.T) Message {
	t.Helper()
	data, err := readExample()
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("decode example.json: %v", err)
	}
	return m
}

func readExample() ([]byte, error) {
	data, err := os.ReadFile("example.json")
	if err != nil {
		return nil, fmt.Errorf("read example.json: %w", err)
	}
	return data, nil
}

// testAlert is a valid firing alert of team alpha, env name.
func testAlert(fingerprint, env string) template.Alert {
	return template.Alert{
		Status: StatusFiring,
		Labels: template.KV{
			"alertname": "EnvIdleCPU", "team": "alpha", "env": env,
			"namespace": "devenvs-alpha", "severity": "info",
		},
		Annotations:  template.KV{"summary": "idle"},
		StartsAt:     time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		GeneratorURL: "http://prometheus.example/graph",
		Fingerprint:  fingerprint,
	}
}

// testMessage wraps alerts in a valid version 4 notification.
func testMessage(alerts ...template.Alert) Message {
	return Message{
		Data: template.Data{
			Receiver:    "devenvs",
			Status:      StatusFiring,
			Alerts:      alerts,
			ExternalURL: "http://alertmanager.example:9093",
		},
		Version:  PayloadVersion,
		GroupKey: `{}:{alertname="EnvIdleCPU"}`,
	}
}

// mustJSON marshals test values, which always marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// startFunction starts a Function with sink and the test token behind a loopback server.
func startFunction(t *testing.T, sink string) (*Function, *httptest.Server, *testbed.SyncBuffer) {
	t.Helper()
	logs := &testbed.SyncBuffer{}
	logger := logrus.New()
	logger.SetOutput(logs)
	logger.SetFormatter(&logrus.JSONFormatter{})
	f := newFunction(logger)
	if err := f.Start(context.Background(), map[string]string{SinkVar: sink, TokenVar: testToken, eventfn.TokenVar: testEventSecret}); err != nil {
		t.Fatalf("Start: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(f.Handle))
	t.Cleanup(func() {
		srv.Close()
		_ = f.Stop(context.Background())
	})
	return f, srv, logs
}

// post sends body to url with a bearer token ("" for none) and returns status and body.
func post(t *testing.T, url, token string, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	client := &http.Client{Timeout: waitTimeout}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp, string(b)
}

// receiver is a real CloudEvents HTTP receiver (the SDK's own server) on a loopback port,
// standing in for the Broker.
type receiver struct {
	URL    string
	events chan event.Event
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	c, err := cloudevents.NewClientHTTP(cloudevents.WithListener(l))
	if err != nil {
		t.Fatalf("receiver client: %v", err)
	}
	r := &receiver{URL: "http://" + l.Addr().String(), events: make(chan event.Event, 64)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.StartReceiver(ctx, func(e event.Event) protocol.Result {
			r.events <- e
			return cloudevents.ResultACK
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("receiver: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Error("receiver did not stop")
		}
	})
	return r
}

// next waits for the next event.
func (r *receiver) next(t *testing.T) event.Event {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(waitTimeout):
		t.Fatalf("no CloudEvent received within %s", waitTimeout)
		return event.Event{}
	}
}

// drain returns the events already received. The function answers only after every send
// finished, so after a response this is the complete set for that request.
func (r *receiver) drain() []event.Event {
	var out []event.Event
	for {
		select {
		case e := <-r.events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// statusSink is an HTTP sink that decodes each request as a CloudEvent with the SDK and
// answers the status code status(id) for the event with that id. It also returns the ids it
// received, in arrival order (which SendAll does not fix).
func statusSink(t *testing.T, status func(id string) int) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := cloudevents.NewEventFromHTTPRequest(r)
		if err != nil {
			t.Errorf("sink got a request that is not a CloudEvent: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		ids = append(ids, e.ID())
		mu.Unlock()
		w.WriteHeader(status(e.ID()))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ids...)
	}
}

// refusing answers 503 for the ids in refused and 202 for every other.
func refusing(refused ...string) func(id string) int {
	return func(id string) int {
		if slices.Contains(refused, id) {
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	}
}

// closedURL is an http URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func discardLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}
