// Package eventfn serves a CloudEvents function over plain HTTP. It is its own package so
// that only the functions that take CloudEvents link the SDK (and its logger) and pay for
// their start-up.
package eventfn

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/protocol"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/devenvs/devenvs/shared/httpx"
)

// MaxBytes is the body limit (app.Options.MaxBodyBytes) of a function taking CloudEvents:
// an alert or a PingSource tick is a few KiB.
const MaxBytes = 256 << 10

// Handler serves handle, which acts on one CloudEvent, over HTTP. It decodes the event
// from the request with the SDK's stateless binding (binary or structured content mode) and
// calls handle in the request's own goroutine, so concurrent requests are independent and a
// cancelled one cannot hold up the next.
// It replaces the SDK's receiver, which can wedge (ARCHITECTURE.md, "CloudEvents without
// the SDK receiver").
//
// The answer follows the Knative Eventing data plane, which retries a 5xx, gives up on most
// 4xx and counts any 2xx as delivered:
//   - handle returned nil: 200 (the work is done, not queued, and it is what func-go's
//     CloudEvents runtime answered) with an empty body, which must stay empty: a Broker
//     treats a 2xx with a non-empty body that is not a CloudEvent as a failed delivery.
//   - handle returned a *cehttp.Result (cehttp.NewResult(status, ...)): that status; a 4xx
//     says why in the JSON error body.
//   - any other error: 500.
//
// Requests that are not an authenticated CloudEvent never reach handle (the method is
// app.Handler's to check): 401 without the event secret and 403 with a wrong one (checked before the
// body is read; see Token), 413 above the function's body limit, 400 for a body or headers that are not one
// valid event. The secret is removed from the event before handle sees it, so it cannot end
// up in a log.
func Handler(token *Token, handle func(context.Context, event.Event) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if status, err := token.check(r); err != nil {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="devenvs-events"`)
			}
			httpx.WriteError(w, r, status, err)
			return
		}
		e, status, err := decodeEvent(r)
		if err != nil {
			httpx.WriteError(w, r, status, err)
			return
		}
		// The secret is the sender's proof, not part of the event.
		_ = e.Context.SetExtension(TokenExtension, nil)
		status, err = Status(handle(r.Context(), *e))
		if err != nil {
			httpx.WriteError(w, r, status, err)
			return
		}
		w.WriteHeader(status)
	}
}

// decodeEvent reads one valid CloudEvent from r, or says which status refuses it and why.
func decodeEvent(r *http.Request) (*event.Event, int, error) {
	if cehttp.IsHTTPBatch(r.Header) {
		return nil, http.StatusBadRequest, errors.New("batched CloudEvents are not accepted: send one event per request")
	}
	e, err := cehttp.NewEventFromHTTPRequest(r)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("CloudEvent larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, binding.ErrUnknownEncoding):
		return nil, http.StatusBadRequest, errors.New("not a CloudEvent: send binary mode (ce-specversion, ce-id, ce-source and ce-type headers) " +
			"or structured mode (Content-Type: application/cloudevents+json)")
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf("malformed CloudEvent: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("invalid CloudEvent: %w", err)
	}
	return e, 0, nil
}

// Status maps what an event handler returned to the HTTP status of the answer, and the
// error to write with it (nil for a 2xx). See Handler for the contract.
func Status(err error) (int, error) {
	if err == nil {
		return http.StatusOK, nil
	}
	var res *cehttp.Result
	if errors.As(err, &res) {
		switch {
		case res.StatusCode < 200 || res.StatusCode > 599:
			// Not a final HTTP status: a bug in the handler, not an answer to the sender.
			return http.StatusInternalServerError, err
		case res.StatusCode >= 200 && res.StatusCode < 300:
			return res.StatusCode, nil
		}
		// The message without Result.Error's "400: " prefix: the status is in the answer already.
		return res.StatusCode, fmt.Errorf(res.Format, res.Args...)
	}
	if protocol.IsACK(err) {
		return http.StatusOK, nil
	}
	return http.StatusInternalServerError, err
}
