// Package gateway proves the SSH gateway on the local cluster's real node: the real OpenSSH
// client (ssh, sftp, scp) → the gateway (shared/sshgateway, as cmd/sshgateway runs it) →
// real sshd in a real container, with the environments made by the real functions.
package gateway

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/hack/realstack"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/sshgateway"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// stack is the user-facing functions and a gateway over one fixture.
type stack struct {
	*realstack.Stack
	fx    *fixture.Fixture
	log   eventlog.Log
	input eventlog.SSHInput
	gw    string // host:port of the gateway
	dir   string // the client's ssh config and known_hosts
}

// newStack starts the functions and a gateway; tune changes the gateway before it serves.
func newStack(t *testing.T, modify func(*config.Config), tune func(*sshgateway.Server)) *stack {
	t.Helper()
	testbed.RealNode(t)
	// The gateway's address and key come first: the configuration the functions read names them.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	gateway := config.SSHGateway{Host: host, Port: int32(p),
		HostPublicKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))}
	fx := fixture.New(t, func(c *config.Config) {
		c.SSH.Gateway = gateway
		if modify != nil {
			modify(c)
		}
	})
	s := &stack{
		Stack: realstack.New(t, fx),
		fx:    fx,
		log:   fx.EventLog(t),
		dir:   t.TempDir(),
		gw:    l.Addr().String(),
	}
	s.input = eventlog.NewSSHInput(s.log)
	logger := logrus.New()
	logger.SetOutput(testWriter{t})
	srv := &sshgateway.Server{
		Config: fx.Config, Routes: fx.Kube, Input: s.input, HostKey: signer, Logger: logrus.NewEntry(logger),
		Events: eventlog.NewSafe(s.log, logrus.NewEntry(logger), nil),
	}
	if tune != nil {
		tune(srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	// The gateway's known_hosts line, exactly as the configuration gives it to the UI:
	// the client checks the gateway strictly against it.
	line, err := fx.Config.SSH.Gateway.KnownHosts()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "gateway_known_hosts"), []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type key = realstack.Key

func newKey(t *testing.T, comment string) key { t.Helper(); return realstack.TestKey(t, comment) }

// sshConfig writes a client configuration for key k: the gateway is checked strictly
// against its known_hosts line; environments' host keys are accepted when new. The jump
// (ssh -W) process reads the same file through -F, as a user's ~/.ssh/config.
func (s *stack) sshConfig(t *testing.T, k key, extra ...string) string {
	t.Helper()
	host, _, _ := net.SplitHostPort(s.gw)
	cfg := fmt.Sprintf(`Host %s
    StrictHostKeyChecking yes
    UserKnownHostsFile %s
Host *
    IdentityFile %s
    IdentitiesOnly yes
    IdentityAgent none
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    BatchMode yes
    ConnectTimeout 20
%s`, host, filepath.Join(s.dir, "gateway_known_hosts"), k.Private, strings.Join(extra, "\n"))
	f, err := os.CreateTemp(s.dir, "ssh_config")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(cfg + "\n"); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	return f.Name()
}

// waitingConfig is sshConfig for k with a ConnectTimeout that lets a client wait out a start
// (the client's ConnectTimeout bounds the wait; the tests' config sets 20 s): an entry for
// the team's environments first, as a user would write for a slow start.
func (s *stack) waitingConfig(t *testing.T, k key) string {
	t.Helper()
	cfg := s.sshConfig(t, k)
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append([]byte("Host *.alpha\n    ConnectTimeout 180\n"), body...), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// run runs a real OpenSSH client program and returns stdout, stderr and the error.
func run(t *testing.T, stdin string, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return strings.TrimSpace(out.String()), strings.TrimSpace(errb.String()), err
}

// jump is the -J argument for an environment: <env>.<team>@gateway.
func (s *stack) jump(target string) string { return target + "@" + s.gw }

// ssh runs command in target through the gateway with key k.
func (s *stack) ssh(t *testing.T, k key, target, command string) (string, string, error) {
	t.Helper()
	return run(t, "", "ssh", "-F", s.sshConfig(t, k), "-J", s.jump(target), "dev@"+target, command)
}

// createEnv creates an environment on the real node as user in team.
func (s *stack) createEnv(t *testing.T, user, team, name string, keys ...string) {
	t.Helper()
	s.CreateEnv(t, user, map[string]any{"team": team, "name": name, "image": "debian:bookworm", "pool": "real",
		"cpu": "500m", "memory": "512Mi", "sshPublicKeys": keys})
}

// environment reads one environment as listenvs shows it to user.
func (s *stack) environment(t *testing.T, user, team, name string) env.Environment {
	t.Helper()
	return s.Environment(t, user, team, name)
}

// waitPhase polls listenvs until the environment reaches phase.
func (s *stack) waitPhase(t *testing.T, user, team, name string, phase env.Phase) env.Environment {
	t.Helper()
	return s.WaitPhase(t, user, team, name, phase, realstack.Wait{Every: 500 * time.Millisecond})
}

// events returns the team's activity log entries of the given action, newest first.
func (s *stack) events(t *testing.T, team, action string) []eventlog.Event {
	t.Helper()
	all, err := s.log.Latest(context.Background(), team, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []eventlog.Event
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits until the team's log has an entry of action whose reason contains want.
func (s *stack) waitEvent(t *testing.T, team, action, want string) eventlog.Event {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, e := range s.events(t, team, action) {
			if strings.Contains(e.Reason, want) {
				return e
			}
		}
	}
	t.Fatalf("no %s entry containing %q in team %s's log: %+v", action, want, team, s.events(t, team, action))
	return eventlog.Event{}
}

// doJSON sends a request as user (POST unless a method is given).
func doJSON(t *testing.T, url, user string, body any, method ...string) (int, []byte) {
	t.Helper()
	m := http.MethodPost
	if len(method) > 0 {
		m = method[0]
	}
	return fixture.Do(t, m, url, user, body)
}

// podIP is the address of the environment's live pod on the real node's bridge.
func (s *stack) podIP(t *testing.T, team, name string) string {
	t.Helper()
	pods, err := s.fx.Clientset.CoreV1().Pods(s.fx.Namespace(team)).List(context.Background(),
		metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.PodIP != "" {
			return p.Status.PodIP
		}
	}
	t.Fatalf("%s/%s has no live pod", team, name)
	return ""
}
