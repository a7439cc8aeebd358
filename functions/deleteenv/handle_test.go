package deleteenv

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devenvs/devenvs/shared/app/apptest"
	"github.com/devenvs/devenvs/shared/kube"
)

// deleteFunc is a deleter double answering what the test says.
type deleteFunc func(ns, name string) error

func (d deleteFunc) Delete(_ context.Context, ns, name string) error { return d(ns, name) }

// TestStatusAndLogging is the delete's status mapping and outcome policy over a double.
func TestStatusAndLogging(t *testing.T) {
	ok := deleteFunc(func(string, string) error { return nil })
	for _, tc := range []struct {
		name, method, path, user string
		cluster                  deleteFunc
		wantStatus               int
		wantMsg                  string
		wantLogged               []string
	}{
		{"deleted", http.MethodDelete, "/alpha/demo", "alice", ok, http.StatusNoContent, "", []string{"delete success "}},
		{"POST stands in for DELETE", http.MethodPost, "/alpha/demo", "alice", ok, http.StatusNoContent, "", []string{"delete success "}},
		{"not there is not activity", http.MethodDelete, "/alpha/demo", "alice", func(string, string) error { return kube.ErrNotFound },
			http.StatusNotFound, "environment demo not found in team alpha", []string{}},
		{"the apiserver fails", http.MethodDelete, "/alpha/demo", "alice", func(string, string) error { return errors.New("delete deployment: boom") },
			http.StatusBadGateway, "Bad Gateway", []string{"delete failure delete deployment: boom"}},
		{"a bad path", http.MethodDelete, "/alpha", "alice", ok, http.StatusBadRequest, "expected /{team}/{name}", []string{}},
		{"a bad name", http.MethodDelete, "/alpha/Not_A_Name", "alice", ok, http.StatusBadRequest, "name: invalid value", []string{}},
		{"another team's", http.MethodDelete, "/alpha/demo", "bob", ok, http.StatusForbidden, "not a member", []string{"access-denied failure 403: not a member of team alpha"}},
		{"an unconfigured team of the caller", http.MethodDelete, "/gamma/demo", "alice", ok, http.StatusForbidden, "not a member", []string{}},
		{"GET", http.MethodGet, "/alpha/demo", "alice", ok, http.StatusMethodNotAllowed, "use DELETE or POST", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := apptest.New(t, "deleteenv", options)
			var asked []string
			h := (&Function{}).wire(a, deleteFunc(func(ns, name string) error { asked = append(asked, ns+"/"+name); return tc.cluster(ns, name) }))
			var send any
			if tc.method == http.MethodPost {
				send = "{}" // func invoke's JSON body
			}
			status, body := apptest.Do(t, h, tc.method, tc.path, tc.user, send)
			if status != tc.wantStatus || !strings.Contains(string(body), tc.wantMsg) {
				t.Errorf("status %d %s, want %d %q", status, body, tc.wantStatus, tc.wantMsg)
			}
			if diff := cmp.Diff(tc.wantLogged, apptest.Logged(t, a, "alpha")); diff != "" {
				t.Errorf("activity log of alpha (-want +got):\n%s", diff)
			}
			if reached := len(asked) > 0; reached != (tc.wantStatus == http.StatusNoContent || tc.wantStatus == http.StatusNotFound || tc.wantStatus == http.StatusBadGateway) {
				t.Errorf("the cluster was asked %v", asked)
			}
		})
	}
}
