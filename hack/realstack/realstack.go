// Package realstack is the test stack the real-node tests share (hack/realenv, hack/gateway)
// and the bench's real start: the four user-facing functions served over one fixture, an
// environment created and polled as a user would through them, and SSH keys made by the
// real ssh-keygen.
package realstack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/functions/deleteenv"
	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/functions/updateenv"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// StartBudget bounds a start on the real node: package installs from the mirror take
// 15-25 s, and a mirror hiccup was once seen to add 30 s.
const StartBudget = 3 * time.Minute

// Stack is the four user-facing functions over one fixture.
type Stack struct {
	FX                              *fixture.Fixture
	Create, List, Update, DeleteURL string
}

// New serves createenv, listenvs, updateenv and deleteenv over fx.
func New(t *testing.T, fx *fixture.Fixture) *Stack {
	t.Helper()
	return &Stack{
		FX:        fx,
		Create:    fx.Serve(t, createenv.New(), nil).URL,
		List:      fx.Serve(t, listenvs.New(), nil).URL,
		Update:    fx.Serve(t, updateenv.New(), nil).URL,
		DeleteURL: fx.Serve(t, deleteenv.New(), nil).URL,
	}
}

// CreateEnv creates the environment spec names as user, and deletes it when the test ends.
func (s *Stack) CreateEnv(t *testing.T, user string, spec map[string]any) {
	t.Helper()
	if status, body := fixture.Do(t, http.MethodPost, s.Create, user, spec); status != http.StatusCreated {
		t.Fatalf("create %v/%v: %d %s", spec["team"], spec["name"], status, body)
	}
	path := fmt.Sprintf("/%v/%v", spec["team"], spec["name"])
	t.Cleanup(func() { fixture.Do(t, http.MethodDelete, s.DeleteURL+path, user, nil) })
}

// Environment reads one environment as listenvs shows it to user.
func (s *Stack) Environment(t *testing.T, user, team, name string) env.Environment {
	t.Helper()
	status, body := fixture.Do(t, http.MethodGet, s.List+"/?team="+team, user, nil)
	if status != http.StatusOK {
		t.Fatalf("list: %d %s", status, body)
	}
	var page struct{ Environments []env.Environment }
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Environments {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("environment %s/%s not listed", team, name)
	return env.Environment{}
}

// Wait says how WaitPhase polls: every Every (250 ms when 0) for at most Budget
// (StartBudget when 0), telling Seen each view; Explain adds to the failure message.
type Wait struct {
	Budget, Every time.Duration
	Seen          func(env.Environment)
	Explain       func() string
}

// WaitPhase polls listenvs until the environment reaches phase, failing with the last status
// seen when the budget runs out.
func (s *Stack) WaitPhase(t *testing.T, user, team, name string, phase env.Phase, w Wait) env.Environment {
	t.Helper()
	if w.Budget == 0 {
		w.Budget = StartBudget
	}
	if w.Every == 0 {
		w.Every = 250 * time.Millisecond
	}
	deadline := time.Now().Add(w.Budget)
	var e env.Environment
	for time.Now().Before(deadline) {
		if e = s.Environment(t, user, team, name); e.Phase == phase {
			return e
		}
		if w.Seen != nil {
			w.Seen(e)
		}
		time.Sleep(w.Every)
	}
	explain := ""
	if w.Explain != nil {
		explain = "\n" + w.Explain()
	}
	t.Fatalf("%s/%s: phase %s (%s: %s) after %s, want %s%s", team, name, e.Phase, e.Reason, e.Message, w.Budget, phase, explain)
	return e
}

// Key is an SSH key pair made by the real ssh-keygen: the private key's path, the public line.
type Key struct{ Private, Public string }

// NewKey makes a key pair in a directory of dir (os.MkdirTemp's rules: "" is the default).
func NewKey(dir, comment string) (Key, error) {
	d, err := os.MkdirTemp(dir, "ssh-key-")
	if err != nil {
		return Key{}, err
	}
	path := filepath.Join(d, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput(); err != nil {
		return Key{}, fmt.Errorf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		return Key{}, err
	}
	return Key{Private: path, Public: strings.TrimSpace(string(pub))}, nil
}

// TestKey is NewKey in the test's own temporary directory.
func TestKey(t *testing.T, comment string) Key {
	t.Helper()
	k, err := NewKey(t.TempDir(), comment)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
