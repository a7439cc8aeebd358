package env

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"knative.dev/pkg/apis"
)

func TestDecodeSpec(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		limit   int64
		want    *Spec
		wantErr string
	}{{
		name: "every field",
		body: `{"team":"alpha","name":"web","image":"ubuntu:24.04","packages":["git"],"cpu":"2","memory":"4Gi",
			"pool":"cpu-small","priority":"low","lifetime":"90m","sshPublicKeys":["k"],"persistentHome":"10Gi",
			"env":{"A":"b"},"idleStop":false}`,
		want: &Spec{Team: "alpha", Name: "web", Image: "ubuntu:24.04", Packages: []string{"git"}, CPU: "2",
			Memory: "4Gi", Pool: "cpu-small", Priority: "low", Lifetime: "90m", SSHPublicKeys: []string{"k"},
			PersistentHome: "10Gi", Env: map[string]string{"A": "b"}, IdleStop: new(false)},
	}, {
		name: "surrounding whitespace and nulls",
		body: "\n {\"team\":\"alpha\",\"idleStop\":null,\"packages\":null} \n",
		want: &Spec{Team: "alpha"},
	}, {
		name:    "unknown fields are listed",
		body:    `{"team":"alpha","colour":"blue","admin":true}`,
		wantErr: errString(&apis.FieldError{Message: "must not set the field(s)", Paths: []string{"admin", "colour"}, Details: "unknown field; field names are case-sensitive"}),
	}, {
		name:    "field names are case-sensitive",
		body:    `{"Team":"alpha"}`,
		wantErr: errString(&apis.FieldError{Message: "must not set the field(s)", Paths: []string{"Team"}, Details: "unknown field; field names are case-sensitive"}),
	}, {
		name:    "wrong type names the field",
		body:    `{"team":"alpha","cpu":2}`,
		wantErr: errString(apis.ErrGeneric("expected a string, got JSON number", "cpu")),
	}, {
		name:    "wrong element type",
		body:    `{"packages":"git"}`,
		wantErr: errString(apis.ErrGeneric("expected an array of strings, got JSON string", "packages")),
	}, {
		name:    "wrong map value type",
		body:    `{"env":{"A":1}}`,
		wantErr: errString(apis.ErrGeneric("expected a string, got JSON number", "env")),
	}, {
		name:    "wrong bool type",
		body:    `{"idleStop":"yes"}`,
		wantErr: errString(apis.ErrGeneric("expected a boolean, got JSON string", "idleStop")),
	}, {
		// Issue 14 item 19: encoding/json would keep the last "name"; refuse, naming the key.
		name:    "duplicate key",
		body:    `{"team":"alpha","name":"a","name":"b"}`,
		wantErr: errString(apis.ErrGeneric("duplicate key: a key may appear only once in an object", "name")),
	}, {
		name:    "duplicate key in a nested object",
		body:    `{"team":"alpha","env":{"A":"1","A":"2"}}`,
		wantErr: errString(apis.ErrGeneric("duplicate key: a key may appear only once in an object", "env.A")),
	}, {
		name:    "two values",
		body:    `{"team":"alpha"} {"team":"beta"}`,
		wantErr: errString(apis.ErrGeneric("request body must hold exactly one JSON value", apis.CurrentField)),
	}, {
		name:    "trailing garbage",
		body:    `{"team":"alpha"}]`,
		wantErr: errString(apis.ErrGeneric("request body must hold exactly one JSON value", apis.CurrentField)),
	}, {
		name:    "not an object",
		body:    `["team"]`,
		wantErr: errString(apis.ErrGeneric("request body must be a JSON object", apis.CurrentField)),
	}, {
		name:    "null",
		body:    `null`,
		wantErr: errString(apis.ErrGeneric("request body must be a JSON object", apis.CurrentField)),
	}, {
		name:    "empty",
		body:    ``,
		wantErr: errString(apis.ErrGeneric("request body must be a JSON object", apis.CurrentField)),
	}, {
		name:    "truncated",
		body:    `{"team":"al`,
		wantErr: errString(apis.ErrGeneric("invalid JSON: unexpected end of input", apis.CurrentField)),
	}, {
		name:    "syntax error",
		body:    `{"team" "alpha"}`,
		wantErr: errString(apis.ErrGeneric("invalid JSON at byte 9: invalid character '\"' after object key", apis.CurrentField)),
	}, {
		name:    "over the limit",
		body:    `{"team":"alpha"}`,
		limit:   10,
		wantErr: "request body too large: more than 10 bytes",
	}, {
		name:  "exactly the limit",
		body:  `{"team":"alpha"}`,
		limit: 16,
		want:  &Spec{Team: "alpha"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeSpec(limited(tc.body, tc.limit))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("DecodeSpec() error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeSpec() (-want +got):\n%s", diff)
			}
			// Client errors must be FieldErrors so handlers can map them to 400.
			var fe *apis.FieldError
			if err != nil && !errors.Is(err, ErrBodyTooLarge) && !errors.As(err, &fe) {
				t.Errorf("DecodeSpec() error %T is not an *apis.FieldError", err)
			}
		})
	}
}

func TestDecodeErrorsAreTyped(t *testing.T) {
	_, err := DecodeSpec(limited(strings.Repeat(" ", 100)+"{}", 50))
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("oversized body: error = %v, want ErrBodyTooLarge", err)
	}
	readErr := errors.New("connection reset")
	_, err = DecodeSpec(iotest.ErrReader(readErr))
	if !errors.Is(err, readErr) {
		t.Errorf("failing reader: error = %v, want it to wrap %v", err, readErr)
	}
	if _, err := DecodeSpec(strings.NewReader(`{}`)); err != nil {
		t.Errorf("without a limit: error = %v", err)
	}
}

// limited is body as a request body behind the function's limit (httpx.Chain); 0 means none.
func limited(body string, limit int64) io.Reader {
	if limit == 0 {
		return strings.NewReader(body)
	}
	return http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(body)), limit)
}

func TestDecodeUpdate(t *testing.T) {
	got, err := DecodeUpdate(strings.NewReader(`{"action":"extend","lifetime":"2h"}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Update{Action: "extend", Lifetime: "2h"}, got); diff != "" {
		t.Errorf("DecodeUpdate() (-want +got):\n%s", diff)
	}
	_, err = DecodeUpdate(strings.NewReader(`{"action":"stop","action":"start"}`))
	if diff := cmp.Diff(apis.ErrGeneric("duplicate key: a key may appear only once in an object", "action").Error(), errorString(err)); diff != "" {
		t.Errorf("DecodeUpdate() of a duplicate key (-want +got):\n%s", diff)
	}
	_, err = DecodeUpdate(strings.NewReader(`{"action":"stop","replicas":0}`))
	want := &apis.FieldError{Message: "must not set the field(s)", Paths: []string{"replicas"}, Details: "unknown field; field names are case-sensitive"}
	if diff := cmp.Diff(want.Error(), errorString(err)); diff != "" {
		t.Errorf("DecodeUpdate() error (-want +got):\n%s", diff)
	}
}

func errorString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func errString(fe *apis.FieldError) string {
	if fe == nil {
		return ""
	}
	return fe.Error()
}
