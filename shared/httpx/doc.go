// Package httpx is the HTTP plumbing every devenvs function shares: JSON error bodies that
// name each invalid field, request ids, access logs, panic recovery, CORS, body limits and a
// /metrics handler.
//
// A function wraps its handler once:
//
//	reg := httpx.NewRegistry()
//	h := httpx.Chain(mux, httpx.Options{AllowedOrigins: origins, Metrics: reg})
//
// and inside handlers uses httpx.Logger(ctx), httpx.WriteJSON and httpx.WriteError.
package httpx
