package listenvs

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestPages walks carol's two teams (7 environments in alpha, 3 in beta) in pages of 3:
// every environment exactly once, in team then name order, the activity log on the first
// page only, and the last page without a continue token.
func TestPages(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) {
		for i := range c.Teams {
			c.Teams[i].Quota = nil
		}
	})
	srv := fx.Serve(t, New(), nil)
	var want []string
	for team, n := range map[string]int{"alpha": 7, "beta": 3} {
		for i := range n {
			want = append(want, makeEnv(t, fx, team, fmt.Sprintf("page-%s-%d", team, i)))
		}
	}
	slices.Sort(want) // "alpha/..." before "beta/...", names in order within a team

	pages := walk(t, srv.URL, "carol", "limit=3", 11)
	if len(pages[0].Teams) != 2 {
		t.Errorf("teams %v, want alpha and beta", pages[0].Teams)
	}
	for i, page := range pages {
		if i > 0 && len(page.Events) != 0 {
			t.Errorf("page %d repeats %d activity log entries", i+1, len(page.Events))
		}
		if len(page.Environments) > 3 {
			t.Fatalf("page %d has %d environments, limit 3", i+1, len(page.Environments))
		}
	}
	if got := keys(pages); !slices.Equal(got, want) {
		t.Errorf("pages listed\n%v\nwant\n%v", got, want)
	}
}

// TestPagesBeyondExpected: a team whose environments fit its maxEnvironments is read in one
// concurrent round; when more exist than that (made outside devenvs), the pages still list
// each exactly once.
func TestPagesBeyondExpected(t *testing.T) {
	fx := fixture.New(t, fixture.CountLimit("alpha", 2))
	srv := fx.Serve(t, New(), nil)
	want := []string{makeEnv(t, fx, "alpha", "b-one"), makeEnv(t, fx, "alpha", "b-two")}
	if got := listPage(t, srv.URL, "alice", "team=alpha&limit=2"); len(got.Environments) != 2 || got.Continue != "" {
		t.Fatalf("2 of 2 expected environments: %d listed, continue %q", len(got.Environments), got.Continue)
	}
	want = append(want, makeEnv(t, fx, "alpha", "b-three"))
	slices.Sort(want)
	if got := keys(walk(t, srv.URL, "alice", "team=alpha&limit=2", 5)); !slices.Equal(got, want) {
		t.Errorf("pages listed %v, want %v", got, want)
	}
}

// memberTwice authenticates every request as carol, with her teams named twice over.
type memberTwice struct{}

func (memberTwice) Authenticate(*http.Request) (auth.Identity, error) {
	return auth.Identity{User: "carol", Teams: []string{"beta", "alpha", "alpha", "beta"}}, nil
}

// TestTeamNamedTwice: a membership that names a team twice walks it once, and the pages end.
func TestTeamNamedTwice(t *testing.T) {
	fx := fixture.New(t, nil)
	fn := New()
	srv := fx.Serve(t, fn, nil)
	fn.App.Auth = memberTwice{} // the test owns the handler until it returns
	want := []string{makeEnv(t, fx, "alpha", "twice-a"), makeEnv(t, fx, "alpha", "twice-b"), makeEnv(t, fx, "beta", "twice-c")}
	pages := walk(t, srv.URL, "carol", "limit=1", 6)
	if !slices.Equal(pages[0].Teams, []string{"alpha", "beta"}) {
		t.Errorf("teams %v, want [alpha beta]", pages[0].Teams)
	}
	if got := keys(pages); !slices.Equal(got, want) {
		t.Errorf("pages listed %v, want %v", got, want)
	}
}

func TestPageErrors(t *testing.T) {
	fx := fixture.New(t, nil)
	srv := fx.Serve(t, New(), nil)
	makeEnv(t, fx, "alpha", "one")
	makeEnv(t, fx, "alpha", "two")
	alphaPage := listPage(t, srv.URL, "alice", "team=alpha&limit=1")
	if alphaPage.Continue == "" {
		t.Fatal("a page of 1 of 2 environments has no continue token")
	}
	tests := []struct {
		name, user, query string
		status            int
		field             string
	}{
		{"limit zero", "alice", "limit=0", http.StatusBadRequest, "limit"},
		{"limit too big", "alice", "limit=1001", http.StatusBadRequest, "limit"},
		{"limit not a number", "alice", "limit=ten", http.StatusBadRequest, "limit"},
		{"continue not a token", "alice", "continue=abc!", http.StatusBadRequest, "continue"},
		{"continue of a team not listed", "bob", "continue=" + url.QueryEscape(alphaPage.Continue), http.StatusBadRequest, "continue"},
		{"continue with a forged apiserver token", "alice", "continue=" + cursor{Team: "alpha", Continue: "forged"}.encode(), http.StatusBadRequest, "continue"},
		{"eventsBefore without a team", "alice", "eventsBefore=1-0", http.StatusBadRequest, "team"},
		{"eventsBefore not an event id", "alice", "team=alpha&eventsBefore=" + url.QueryEscape("x; FLUSHALL"), http.StatusBadRequest, "eventsBefore"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := fixture.Do(t, http.MethodGet, srv.URL+"?"+tc.query, tc.user, nil)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if got := fixture.FieldPaths(fixture.ErrorBody(t, body)); !slices.Contains(got, tc.field) {
				t.Errorf("error fields %v, want %q", got, tc.field)
			}
		})
	}
}

// walk lists from query and follows the continue tokens, as the UI does, failing the test
// when the pages have not ended after maxCalls calls; it returns every page.
func walk(t *testing.T, base, user, query string, maxCalls int) []Response {
	t.Helper()
	var pages []Response
	for next := query; ; {
		if len(pages) == maxCalls {
			t.Fatalf("pages never end: %d calls listed %v", maxCalls, keys(pages))
		}
		page := listPage(t, base, user, next)
		pages = append(pages, page)
		if page.Continue == "" {
			return pages
		}
		next = query + "&continue=" + url.QueryEscape(page.Continue)
	}
}

// keys returns "team/name" of the environments on pages, in order.
func keys(pages []Response) []string {
	var out []string
	for _, page := range pages {
		for _, e := range page.Environments {
			out = append(out, e.Team+"/"+e.Name)
		}
	}
	return out
}

// makeEnv writes an environment's Deployment straight to the cluster (what createenv
// writes first), so a test can make many quickly; it returns "team/name".
func makeEnv(t *testing.T, fx *fixture.Fixture, teamName, name string) string {
	t.Helper()
	team, _ := fx.Config.Team(teamName)
	spec := &env.Spec{Team: teamName, Name: name, SSHPublicKeys: []string{fixture.SSHKey}}
	spec.SetDefaults(fx.Config)
	if fe := validation.ValidateSpec(spec, fx.Config); fe != nil {
		t.Fatal(fe)
	}
	d := resources.MakeDeployment(spec, team, fx.Config, "carol", time.Now())
	if _, err := fx.Clientset.AppsV1().Deployments(team.Namespace).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return teamName + "/" + name
}
