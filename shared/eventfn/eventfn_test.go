package eventfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/protocol"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/devenvs/devenvs/shared/httpx"
)

func testEvent(id string) event.Event {
	e := event.New()
	e.SetID(id)
	e.SetSource("/test")
	e.SetType("dev.devenvs.test")
	e.SetExtension("team", "alpha")
	_ = e.SetData(event.ApplicationJSON, map[string]string{"hello": "world"})
	return e
}

// testSecret is the shared event secret of these tests; testToken checks it.
const testSecret = "test-event-secret"

var testToken = mustToken(testSecret)

func mustToken(secret string) *Token {
	tok, err := TokenFromConfig(map[string]string{TokenVar: secret})
	if err != nil {
		panic(err)
	}
	return tok
}

// binaryRequest is e, signed with testSecret, in binary content mode (ce-* headers, data as
// the body), as a Broker sends it.
func binaryRequest(t *testing.T, e event.Event) *http.Request {
	t.Helper()
	e = e.Clone()
	Sign(&e, testSecret)
	return unsignedRequest(t, e)
}

// unsignedRequest is e as it is, in binary content mode.
func unsignedRequest(t *testing.T, e event.Event) *http.Request {
	t.Helper()
	r, err := cehttp.NewHTTPRequestFromEvent(context.Background(), "http://fn/", e)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// structuredRequest is e in structured content mode (the whole event as the JSON body).
func structuredRequest(t *testing.T, e event.Event) *http.Request {
	t.Helper()
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(raw)))
	r.Header.Set("Content-Type", "application/cloudevents+json")
	r.Header.Set("Authorization", "Bearer "+testSecret)
	return r
}

func TestHandler(t *testing.T) {
	plainJSON := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"hello":"world"}`))
	plainJSON.Header.Set("Content-Type", "application/json")
	plainJSON.Header.Set("Authorization", "Bearer "+testSecret)
	batch := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`[]`))
	batch.Header.Set("Content-Type", "application/cloudevents-batch+json")
	batch.Header.Set("Authorization", "Bearer "+testSecret)
	noID := binaryRequest(t, testEvent("x"))
	noID.Header.Del("ce-id")
	large := testEvent("large")
	_ = large.SetData(event.ApplicationJSON, map[string]string{"blob": strings.Repeat("x", MaxBytes)})

	tests := []struct {
		name       string
		req        *http.Request
		result     error // what the event handler returns
		wantStatus int
		wantMsg    string // how the JSON error's message starts; "" expects an empty body
		wantCalled bool
	}{
		{"binary mode, handled", binaryRequest(t, testEvent("b1")), nil, http.StatusOK, "", true},
		{"structured mode, handled", structuredRequest(t, testEvent("s1")), nil, http.StatusOK, "", true},
		{"handler answers another 2xx", binaryRequest(t, testEvent("b2")), cehttp.NewResult(http.StatusAccepted, "queued"), http.StatusAccepted, "", true},
		{"handler ACKs with a receipt", binaryRequest(t, testEvent("b3")), protocol.ResultACK, http.StatusOK, "", true},
		{"poison: the handler's 4xx and reason", binaryRequest(t, testEvent("p1")), cehttp.NewResult(http.StatusBadRequest, "unknown team %q", "gamma"), http.StatusBadRequest, `unknown team "gamma"`, true},
		{"transient: the handler's 5xx", binaryRequest(t, testEvent("t1")), cehttp.NewResult(http.StatusServiceUnavailable, "cluster down"), http.StatusServiceUnavailable, "Service Unavailable", true},
		{"any other error is a 500", binaryRequest(t, testEvent("e1")), errors.New("boom"), http.StatusInternalServerError, "Internal Server Error", true},
		{"a result with no real status is a 500", binaryRequest(t, testEvent("e2")), cehttp.NewResult(42, "odd"), http.StatusInternalServerError, "Internal Server Error", true},
		{"plain JSON is not a CloudEvent", plainJSON, nil, http.StatusBadRequest, "not a CloudEvent", false},
		{"batches are refused", batch, nil, http.StatusBadRequest, "batched CloudEvents are not accepted", false},
		{"an event without an id is invalid", noID, nil, http.StatusBadRequest, "invalid CloudEvent", false},
		{"too large", limitBody(binaryRequest(t, large)), nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("CloudEvent larger than %d bytes", MaxBytes), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *event.Event
			h := Handler(testToken, func(_ context.Context, e event.Event) error {
				got = &e
				return tc.result
			})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tc.req)
			if w.Code != tc.wantStatus {
				t.Errorf("status %d, want %d (body %s)", w.Code, tc.wantStatus, w.Body)
			}
			if called := got != nil; called != tc.wantCalled {
				t.Errorf("handler called: %v, want %v", called, tc.wantCalled)
			}
			if tc.wantMsg == "" {
				// A Broker counts a 2xx with a body that is not a CloudEvent as a failed delivery.
				if w.Body.Len() != 0 {
					t.Errorf("body %q, want none", w.Body)
				}
			} else {
				var body httpx.ErrorBody
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatalf("error body %q: %v", w.Body, err)
				}
				if body.Status != tc.wantStatus || !strings.HasPrefix(body.Message, tc.wantMsg) {
					t.Errorf("error body %+v, want status %d and a message starting %q", body, tc.wantStatus, tc.wantMsg)
				}
			}
			if got != nil {
				want := testEvent(got.ID())
				if got.Type() != want.Type() || got.Source() != want.Source() || got.Extensions()["team"] != "alpha" || string(got.Data()) != string(want.Data()) {
					t.Errorf("handler got %v, want the event sent", got)
				}
			}
		})
	}
}

// within serves r with h and reports the status, or false when h has not answered within
// bound. Only a wedged handler takes anywhere near bound; a healthy one answers these
// requests in microseconds.
func within(h http.Handler, r *http.Request, bound time.Duration) (int, bool) {
	done := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		done <- w.Code
	}()
	select {
	case code := <-done:
		return code, true
	case <-time.After(bound):
		return 0, false
	}
}

// TestCancelledRequestsDoNotWedge is what the SDK's receiver
// (client.NewHTTPReceiveHandler) fails: requests cancelled before or while they are handled,
// some while others run, and every later request still answered. Against the SDK receiver
// the first part wedges deterministically: a request whose context is already cancelled
// leaves its message without a consumer, and from then on each request waits for the next
// one's (cloudevents/sdk-go#1224).
func TestCancelledRequestsDoNotWedge(t *testing.T) {
	const bound = 10 * time.Second
	release := make(chan struct{})
	var mu sync.Mutex
	seen := map[string]int{}
	h := Handler(testToken, func(ctx context.Context, e event.Event) error {
		mu.Lock()
		seen[e.ID()]++
		mu.Unlock()
		if strings.HasPrefix(e.ID(), "slow-") {
			select { // held until the client gives up, or the test lets it go
			case <-ctx.Done():
				return cehttp.NewResult(http.StatusServiceUnavailable, "%v", ctx.Err())
			case <-release:
			}
		}
		return nil
	})

	t.Run("already cancelled on arrival", func(t *testing.T) {
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := binaryRequest(t, testEvent(fmt.Sprintf("gone-%d", i))).WithContext(cancelled)
				if _, ok := within(h, r, bound); !ok {
					t.Errorf("gone-%d: a cancelled request never returned", i)
				}
			}()
		}
		wg.Wait()
		for i := range 10 {
			if code, ok := within(h, binaryRequest(t, testEvent(fmt.Sprintf("next-%d", i))), bound); !ok || code != http.StatusOK {
				t.Fatalf("next-%d after cancelled requests: answered %v, status %d", i, ok, code)
			}
		}
	})

	t.Run("cancelled by the client mid-flight over HTTP", func(t *testing.T) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		post := func(ctx context.Context, id string) (int, error) {
			e := testEvent(id)
			Sign(&e, testSecret)
			r, err := cehttp.NewHTTPRequestFromEvent(ctx, srv.URL, e)
			if err != nil {
				return 0, err
			}
			resp, err := srv.Client().Do(r)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			return resp.StatusCode, nil
		}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				if _, err := post(ctx, fmt.Sprintf("slow-%d", i)); err == nil {
					t.Errorf("slow-%d: answered although the handler held it", i)
				}
			}()
			go func() { // others keep arriving meanwhile
				defer wg.Done()
				if status, err := post(context.Background(), fmt.Sprintf("during-%d", i)); err != nil || status != http.StatusOK {
					t.Errorf("during-%d: status %d, err %v", i, status, err)
				}
			}()
		}
		wg.Wait()
		close(release)
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		for i := range 20 {
			if status, err := post(ctx, fmt.Sprintf("after-%d", i)); err != nil || status != http.StatusOK {
				t.Fatalf("after-%d following cancelled requests: status %d, err %v", i, status, err)
			}
		}
	})

	mu.Lock()
	defer mu.Unlock()
	for _, prefix := range []string{"next-", "during-", "after-"} {
		for i := range 10 {
			if n := seen[fmt.Sprintf("%s%d", prefix, i)]; n != 1 {
				t.Errorf("%s%d handled %d times, want 1", prefix, i, n)
			}
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name       string
		in         error
		wantStatus int
		wantErr    string
	}{
		{"nil", nil, http.StatusOK, ""},
		{"ACK receipt", protocol.ResultACK, http.StatusOK, ""},
		{"NACK receipt", protocol.NewReceipt(false, "rejected"), http.StatusInternalServerError, "rejected"},
		{"400 result, message without the status prefix", cehttp.NewResult(http.StatusBadRequest, "bad %s", "thing"), http.StatusBadRequest, "bad thing"},
		{"wrapped 503 result", fmt.Errorf("sweep: %w", cehttp.NewResult(http.StatusServiceUnavailable, "later")), http.StatusServiceUnavailable, "later"},
		{"204 result", cehttp.NewResult(http.StatusNoContent, ""), http.StatusNoContent, ""},
		{"1xx result", cehttp.NewResult(http.StatusContinue, "odd"), http.StatusInternalServerError, "odd"},
		{"plain error", errors.New("boom"), http.StatusInternalServerError, "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, err := Status(tc.in)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d", status, tc.wantStatus)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("err %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.HasSuffix(err.Error(), tc.wantErr)):
				t.Errorf("err %v, want one ending %q", err, tc.wantErr)
			}
		})
	}
}

// limitBody caps r's body at MaxBytes, as the function's chain does (app.Options.MaxBodyBytes).
func limitBody(r *http.Request) *http.Request {
	r.Body = http.MaxBytesReader(nil, r.Body, MaxBytes)
	return r
}
