package updateenv

import (
	"context"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestExtendStopsAtTheTotalLifetime is issue 14 item 12: maxLifetime bounds each extension,
// maxTotalLifetime bounds them all. Team alpha here: 2h per lifetime, 3h in all.
func TestExtendStopsAtTheTotalLifetime(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) {
		team, _ := c.Team("alpha")
		team.MaxLifetime = config.Duration(2 * time.Hour)
		team.MaxTotalLifetime = config.Duration(3 * time.Hour)
	})
	create := fx.Serve(t, createenv.New(), nil)
	spec := map[string]any{"team": "alpha", "name": "long", "lifetime": "2h", "sshPublicKeys": []string{fixture.SSHKey}}
	if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), "long", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := d.CreationTimestamp.Time
	f := New()
	srv := fx.Serve(t, f, nil)
	url := srv.URL + "/alpha/long"
	extend := func(at time.Duration, lifetime string) (int, []byte) {
		f.App.Now = func() time.Time { return created.Add(at) }
		return fixture.Do(t, http.MethodPatch, url, "alice", map[string]string{"action": "extend", "lifetime": lifetime})
	}
	// 30 minutes in, 2h more ends at 2h30: within 3h.
	if status, body := extend(30*time.Minute, "2h"); status != http.StatusOK {
		t.Fatalf("extend within the total: %d %s", status, body)
	}
	// 1h45 in, 2h more would end at 3h45: each extension is allowed, the total is not.
	status, body := extend(105*time.Minute, "2h")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("extend past the total: %d %s, want 422", status, body)
	}
	if paths := fixture.FieldPaths(fixture.ErrorBody(t, body)); len(paths) != 1 || paths[0] != "lifetime" {
		t.Errorf("422 names %v, want lifetime: %s", paths, body)
	}
	// Up to the total exactly is fine.
	if status, body := extend(105*time.Minute, "75m"); status != http.StatusOK {
		t.Errorf("extend to the total exactly: %d %s", status, body)
	}
}
