package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testenv/fixture"
)

// Flow 5: a team with more environments than one listenvs page. The UI follows the
// continue token and shows every environment: the first page's rows and the last page's.
func pagesFlow(t *testing.T, tb *tab) {
	n := listenvs.DefaultLimit + 20
	makePausedEnvironments(t, tb.st, "beta", "page", n)
	tb.signIn("bob")
	tb.waitJS(fmt.Sprintf("all %d beta environments are listed", n), fmt.Sprintf(
		`document.querySelectorAll('tr[data-env^="beta/page-"]').length === %d`, n), waitTimeout)
	if note := eval[string](tb, `document.querySelector('#env-other-teams').textContent`); strings.Contains(note, "Showing the first") {
		t.Errorf("the whole list is in, but the page says %q", note)
	}
	for _, key := range []string{"beta/page-0000", fmt.Sprintf("beta/page-%04d", n-1)} {
		if !eval[bool](tb, fmt.Sprintf(`!!document.querySelector(%s)`, jsString(rowSel(key)))) {
			t.Errorf("row %s is missing", key)
		}
	}
}

// makePausedEnvironments writes n environments' Deployments straight to the cluster,
// paused so that no pods follow: enough for a list, quick to make.
func makePausedEnvironments(t *testing.T, st *stack, teamName, prefix string, n int) {
	t.Helper()
	team, _ := st.fx.Config.Team(teamName)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	now := time.Now()
	for i := range n {
		g.Go(func() error {
			spec := &env.Spec{Team: teamName, Name: fmt.Sprintf("%s-%04d", prefix, i), SSHPublicKeys: []string{fixture.SSHKey}}
			spec.SetDefaults(st.fx.Config)
			if fe := spec.Validate(st.fx.Config); fe != nil {
				return fe
			}
			d := resources.MakeDeployment(spec, team, st.fx.Config, "bob", now)
			d.Spec.Paused = true
			_, err := st.fx.Clientset.AppsV1().Deployments(team.Namespace).Create(ctx, d, metav1.CreateOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("make %d environments in %s: %v", n, teamName, err)
	}
}
