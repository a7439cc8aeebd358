// Command sshgateway is the SSH gateway: one long-running server (a Deployment behind one
// LoadBalancer, not a Knative function: SSH is not HTTP) through which users reach every
// environment by name, e.g. `ssh -J demo.alpha@ssh.example.com dev@demo.alpha`. See
// shared/sshgateway for what it does and ARCHITECTURE.md for why.
//
// Settings (environment variables, like the functions'): DEVENVS_SSH_LISTEN (":2222"),
// DEVENVS_SSH_HOST_KEY (path of the PEM host key, required), DEVENVS_HTTP_LISTEN (":8080",
// /metrics and /health/*), and the functions' own DEVENVS_CONFIG, KUBECONFIG,
// DEVENVS_REDIS_URL, DEVENVS_EVENTLOG_STREAM, DEVENVS_FUNCTION_URLS (for the start hint).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/sshgateway"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sshgateway:", err)
		os.Exit(1)
	}
}

func run() error {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	a, err := app.New("sshgateway", env, app.Options{Kube: true})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	pem, err := os.ReadFile(env["DEVENVS_SSH_HOST_KEY"])
	if err != nil {
		return fmt.Errorf("DEVENVS_SSH_HOST_KEY: %w", err)
	}
	hostKey, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return fmt.Errorf("DEVENVS_SSH_HOST_KEY: %w", err)
	}
	logger := logrus.NewEntry(a.Logger).WithField("function", "sshgateway")
	srv := &sshgateway.Server{
		Config: a.Config, Routes: a.Kube, Events: a.Events, Input: a.SSHInput,
		HostKey: hostKey, Logger: logger, StartHint: startHint(env["DEVENVS_FUNCTION_URLS"]),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sshAddr := cmpOr(env["DEVENVS_SSH_LISTEN"], ":2222")
	l, err := net.Listen("tcp", sshAddr)
	if err != nil {
		return err
	}
	httpAddr := cmpOr(env["DEVENVS_HTTP_LISTEN"], ":8080")
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }
	mux.HandleFunc("/health/readiness", ok)
	mux.HandleFunc("/health/liveness", ok)
	hs := &http.Server{Addr: httpAddr, Handler: a.Handler(mux, http.MethodGet), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			logger.WithError(err).Error("http")
		}
	}()
	defer hs.Close()
	logger.WithFields(logrus.Fields{"ssh": l.Addr().String(), "http": httpAddr,
		"hostKey": strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostKey.PublicKey())))}).Info("SSH gateway listening")
	return srv.Serve(ctx, l)
}

// startHint tells users how to start a stopped environment: with the updateenv URL when
// the gateway knows it.
func startHint(urls string) func(sshgateway.Target) string {
	update := ""
	for _, kv := range strings.Split(urls, ",") {
		if name, url, ok := strings.Cut(kv, "="); ok && name == "updateenv" {
			update = strings.TrimSuffix(url, "/")
		}
	}
	if update == "" {
		return nil
	}
	return func(t sshgateway.Target) string {
		return fmt.Sprintf(`curl -X PATCH -H "Authorization: Bearer $TOKEN" -d '{"action":"start"}' %s/%s/%s`, update, t.Team, t.Env)
	}
}

func cmpOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
