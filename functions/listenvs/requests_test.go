package listenvs

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestListRequestsDoNotGrowWithEnvironments counts the API requests of one list call with a
// RoundTripper on the function's rest.Config (testbed.CountRequests): a list of 20 environments must cost exactly
// what a list of 1 costs, and at most 3 requests per team (Deployments, pods, pod metrics).
// It is a count, not a timing, so it cannot flake on a busy machine.
func TestListRequestsDoNotGrowWithEnvironments(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) {
		team, _ := c.Team("alpha")
		team.Quota = nil
	})
	fn := New()
	srv := fx.Serve(t, fn, nil)
	var calls atomic.Int64
	kc, err := kube.New(testbed.CountRequests(testbed.RestConfig(t), &calls))
	if err != nil {
		t.Fatal(err)
	}
	// The test owns the handler until it returns, so swapping the client is race-free.
	fn.App.Kube = kc

	create := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			makeEnv(t, fx, "alpha", fmt.Sprintf("count-%02d", i))
		}
	}
	count := func(user, teamName string, want int) int64 {
		t.Helper()
		before := calls.Load()
		resp := list(t, srv.URL, user, teamName)
		if len(resp.Environments) != want {
			t.Fatalf("listed %d environments, want %d", len(resp.Environments), want)
		}
		return calls.Load() - before
	}

	create(0, 1)
	one := count("alice", "alpha", 1)
	create(1, 20)
	twenty := count("alice", "alpha", 20)
	if one != twenty {
		t.Errorf("a list of 1 environment made %d API requests, a list of 20 made %d: requests must not grow with environments", one, twenty)
	}
	if one > 3 || twenty > 3 {
		t.Errorf("one team's list made %d (N=1) and %d (N=20) API requests, want at most 3", one, twenty)
	}
	// carol is in alpha (20 environments) and beta (none): at most 3 requests per team.
	if both := count("carol", "", 20); both > 6 {
		t.Errorf("a list of two teams made %d API requests, want at most 6", both)
	}
	// A page of 5 of the 20 costs what the whole list costs in requests.
	before := calls.Load()
	if page := listPage(t, srv.URL, "alice", "team=alpha&limit=5"); len(page.Environments) != 5 || page.Continue == "" {
		t.Fatalf("page of 5: %d environments, continue %q", len(page.Environments), page.Continue)
	}
	if paged := calls.Load() - before; paged > 3 {
		t.Errorf("a page of 5 of 20 environments made %d API requests, want at most 3", paged)
	}
}
