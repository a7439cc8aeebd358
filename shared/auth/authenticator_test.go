package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type fakeAuth struct {
	id    Identity
	err   error
	calls int
}

func (f *fakeAuth) Authenticate(*http.Request) (Identity, error) {
	f.calls++
	return f.id, f.err
}

func TestChain(t *testing.T) {
	alice := Identity{User: "alice", Teams: []string{"alpha"}}
	down := errors.New("issuer unreachable")
	lastReject := fmt.Errorf("%w: token expired", ErrInvalidCredentials)
	tests := []struct {
		name      string
		links     []*fakeAuth
		want      Identity
		wantErr   error
		wantCalls []int
	}{
		{name: "empty chain", wantErr: ErrNoCredentials},
		{name: "first accepts, rest untouched", links: []*fakeAuth{{id: alice}, {err: down}}, want: alice, wantCalls: []int{1, 0}},
		{name: "rejection falls through", links: []*fakeAuth{{err: ErrInvalidCredentials}, {id: alice}}, want: alice, wantCalls: []int{1, 1}},
		{name: "all reject, last reason wins", links: []*fakeAuth{{err: ErrInvalidCredentials}, {err: lastReject}}, wantErr: lastReject, wantCalls: []int{1, 1}},
		{name: "no credentials anywhere", links: []*fakeAuth{{err: ErrNoCredentials}, {err: ErrNoCredentials}}, wantErr: ErrNoCredentials, wantCalls: []int{1, 1}},
		{name: "infrastructure error stops the chain", links: []*fakeAuth{{err: down}, {id: alice}}, wantErr: down, wantCalls: []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Chain
			for _, l := range tt.links {
				c = append(c, l)
			}
			got, err := c.Authenticate(httptest.NewRequest("GET", "/", nil))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr != nil && err.Error() != tt.wantErr.Error()) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			var calls []int
			for _, l := range tt.links {
				calls = append(calls, l.calls)
			}
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStaticToken(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		header  string
		wantErr error
	}{
		{name: "no header", token: "s3cret", wantErr: ErrNoCredentials},
		{name: "wrong scheme", token: "s3cret", header: "Token s3cret", wantErr: ErrInvalidCredentials},
		{name: "wrong token", token: "s3cret", header: "Bearer s3cre", wantErr: ErrInvalidCredentials},
		{name: "right token", token: "s3cret", header: "Bearer s3cret"},
		{name: "empty configured token fails closed", token: "", header: "Bearer x", wantErr: ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			err := StaticToken(tt.token).Check(r)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Check error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
