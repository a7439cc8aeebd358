package createenv

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// privateKey is the shape of an OpenSSH private key (not a usable one): what a user pastes
// after picking ~/.ssh/id_ed25519 instead of ~/.ssh/id_ed25519.pub.
const privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
	"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" +
	"QyNTUxOQAAACBzZWNyZXQtbWF0ZXJpYWwtdGhhdC1tdXN0LW5vdC1sZWFr\n" +
	"-----END OPENSSH PRIVATE KEY-----"

// TestPrivateKeyRefusedAndNotLogged: a private key in sshPublicKeys is refused with a
// message that says it is a private key and what to paste instead; neither the answer nor
// the function's log carries any of it.
func TestPrivateKeyRefusedAndNotLogged(t *testing.T) {
	fx := fixture.New(t, nil)
	fn := New()
	srv := fx.Serve(t, fn, nil)
	logs := &testbed.SyncBuffer{}
	fn.App.Logger.SetOutput(logs)

	for _, keys := range [][]string{{privateKey}, strings.Split(privateKey, "\n")} {
		status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice",
			map[string]any{"team": "alpha", "name": "leak", "sshPublicKeys": keys})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422: %s", status, body)
		}
		e := fixture.ErrorBody(t, body)
		if len(e.Fields) == 0 || !strings.Contains(e.Fields[0].Message, "private key") ||
			!strings.Contains(e.Fields[0].Message, "id_ed25519.pub") {
			t.Errorf("the answer does not say it is a private key and what to paste: %s", body)
		}
		for _, line := range strings.Split(privateKey, "\n")[1:3] {
			if strings.Contains(string(body), line) {
				t.Errorf("the answer echoes the private key: %s", body)
			}
		}
	}
	out := logs.String()
	if !strings.Contains(out, "422") {
		t.Fatalf("the access log did not record the requests, so it proves nothing: %q", out)
	}
	for _, line := range strings.Split(privateKey, "\n")[1:3] {
		if strings.Contains(out, line) {
			t.Errorf("the log carries the private key: %s", out)
		}
	}
}
