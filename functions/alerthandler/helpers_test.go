package alerthandler

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func randomSuffix(t *testing.T) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// brokenKubeconfig points at a port nothing listens on.
func brokenKubeconfig(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: gone, user: u}}]
current-context: c
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// httpHandler adapts an instanced HTTP function to http.Handler.
func httpHandler(f interface {
	Handle(http.ResponseWriter, *http.Request)
}) http.Handler {
	return http.HandlerFunc(f.Handle)
}
