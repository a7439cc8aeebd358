package listenvs

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

func list(t *testing.T, base, user, team string) Response {
	t.Helper()
	query := ""
	if team != "" {
		query = "team=" + url.QueryEscape(team)
	}
	return listPage(t, base, user, query)
}

// listPage answers one call with the given query string.
func listPage(t *testing.T, base, user, query string) Response {
	t.Helper()
	status, body := fixture.Do(t, http.MethodGet, base+"?"+query, user, nil)
	if status != http.StatusOK {
		t.Fatalf("list ?%s: status %d: %s", query, status, body)
	}
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor polls the list until the named environment satisfies ok.
func waitFor(t *testing.T, base, user, team, name string, ok func(env.Environment) bool) env.Environment {
	t.Helper()
	var last env.Environment
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		for _, e := range list(t, base, user, team).Environments {
			if e.Name == name {
				last = e
				return ok(e), nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("environment %s never reached the expected state; last seen %+v", name, last)
	}
	return last
}

// TestListShowsRunningAndUnschedulable creates one environment that fits and one that no
// node of its pool can hold, then reads both through listenvs: the first Running on its
// pool, the second Pending with the scheduler's own reason.
func TestListShowsRunningAndUnschedulable(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) {
		team, _ := c.Team("alpha")
		// Allow asking for more CPU than any cpu-large node has (32).
		team.MaxCPU = resource.MustParse("64")
		team.Quota = nil
	})
	create := fx.Serve(t, createenv.New(), nil)
	lister := fx.Serve(t, New(), nil)

	for name, cpu := range map[string]string{"fits": "1", "huge": "48"} {
		spec := map[string]any{"team": "alpha", "name": name, "cpu": cpu, "pool": "cpu-large", "sshPublicKeys": []string{fixture.SSHKey}}
		if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", name, status, body)
		}
	}
	running := waitFor(t, lister.URL, "alice", "alpha", "fits", func(e env.Environment) bool { return e.Phase == env.PhaseRunning })
	if running.Requested.CPUMilli != 1000 || running.Pool != "cpu-large" || running.SSH == "" {
		t.Errorf("running environment = %+v", running)
	}
	huge := waitFor(t, lister.URL, "alice", "alpha", "huge", func(e env.Environment) bool { return e.Reason == "Unschedulable" })
	if huge.Phase != env.PhasePending {
		t.Errorf("phase = %s, want Pending", huge.Phase)
	}
	if want := "Insufficient cpu"; !strings.Contains(huge.Message, want) {
		t.Errorf("message = %q, want the scheduler's %q", huge.Message, want)
	}

	resp := list(t, lister.URL, "alice", "")
	if len(resp.Events) < 2 || resp.Events[0].Action != "create" {
		t.Errorf("events = %+v, want the two creates", resp.Events)
	}
}

func TestListAuthorization(t *testing.T) {
	fx := fixture.New(t, nil)
	lister := fx.Serve(t, New(), nil)
	tests := []struct {
		user, team string
		want       int
	}{
		{"", "", http.StatusUnauthorized},
		{"alice", "", http.StatusOK},
		{"alice", "alpha", http.StatusOK},
		{"alice", "beta", http.StatusForbidden},
		{"bob", "alpha", http.StatusForbidden},
		{"carol", "beta", http.StatusOK},
	}
	for _, tc := range tests {
		u := lister.URL
		if tc.team != "" {
			u += "?team=" + tc.team
		}
		if status, body := fixture.Do(t, http.MethodGet, u, tc.user, nil); status != tc.want {
			t.Errorf("user %q team %q: status %d, want %d: %s", tc.user, tc.team, status, tc.want, body)
		}
	}
	if got := list(t, lister.URL, "carol", "").Teams; len(got) != 2 {
		t.Errorf("carol's teams = %v, want alpha and beta", got)
	}
}
