package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// realStartFlow: an environment on the real node shows, in its row, the start's real steps
// as listenvs observes them — the package install with the time so far — and then Running.
func realStartFlow(t *testing.T, tb *tab) {
	testbed.RealNode(t)
	const name = "e2e-real"
	key := "alpha/" + name
	tb.signIn("alice")
	status, body := fixture.Do(t, http.MethodPost, tb.st.fn["createenv"], "alice", map[string]any{
		"team": "alpha", "name": name, "pool": "real", "image": "debian:bookworm", "cpu": "500m", "memory": "512Mi",
		"packages": []string{"git"}, "sshPublicKeys": []string{fixture.SSHKey}})
	if status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", key, status, body)
	}
	t.Cleanup(func() { fixture.Do(t, http.MethodDelete, tb.st.fn["deleteenv"]+"/"+key, "alice", nil) })
	tb.waitJS("the row says it is installing packages, with the time so far", fmt.Sprintf(
		`(() => { const r = document.querySelector(%s); return !!r && /3\/5 · installing packages · \d+ s/.test(r.textContent); })()`,
		jsString(rowSel(key))), 3*time.Minute)
	tb.screenshot("start-progress.png", false)
	tb.waitPhase(key, "Running")
}
