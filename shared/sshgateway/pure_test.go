package sshgateway

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    Target
		wantErr string
	}{
		{in: "demo.alpha", want: Target{Env: "demo", Team: "alpha"}},
		{in: "my-env-2.beta", want: Target{Env: "my-env-2", Team: "beta"}},
		{in: "demo", wantErr: "is not <environment>.<team>"},
		{in: ".alpha", wantErr: "is not <environment>.<team>"},
		{in: "demo.", wantErr: "is not <environment>.<team>"},
		{in: "demo.alpha.example.com", wantErr: `"alpha.example.com"`},
		{in: "Demo.alpha", wantErr: `"Demo"`},
		{in: "de_mo.alpha", wantErr: `"de_mo"`},
		{in: "root", wantErr: "is not <environment>.<team>"},
		{in: "demo.alpha/../x", wantErr: "is not"},
		{in: "", wantErr: "is not"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseTarget(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseTarget(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func newPublicKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func line(k ssh.PublicKey, comment string) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

func TestAuthorize(t *testing.T) {
	alice, bob, mallory := newPublicKey(t), newPublicKey(t), newPublicKey(t)
	tests := []struct {
		name    string
		file    string
		offered ssh.PublicKey
		want    Key
		ok      bool
	}{
		{name: "listed", file: line(alice, "alice@laptop") + "\n", offered: alice,
			want: Key{Fingerprint: ssh.FingerprintSHA256(alice), Comment: "alice@laptop"}, ok: true},
		{name: "second of several", file: line(alice, "alice") + "\n" + line(bob, "bob@desk") + "\n", offered: bob,
			want: Key{Fingerprint: ssh.FingerprintSHA256(bob), Comment: "bob@desk"}, ok: true},
		{name: "not listed", file: line(alice, "alice") + "\n" + line(bob, "bob") + "\n", offered: mallory},
		{name: "empty file", file: "", offered: alice},
		{name: "comments and garbage around it", file: "# keys\nnot a key\n\n" + line(bob, "bob") + "\n", offered: bob,
			want: Key{Fingerprint: ssh.FingerprintSHA256(bob), Comment: "bob"}, ok: true},
		{name: "restricted by options: the gateway cannot honour them", file: `from="10.0.0.1" ` + line(alice, "alice") + "\n", offered: alice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Authorize([]byte(tc.file), tc.offered)
			got.public = nil
			if ok != tc.ok {
				t.Fatalf("Authorize ok = %v, want %v", ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Key{})); diff != "" {
				t.Errorf("Authorize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	target := Target{Env: "demo", Team: "alpha"}
	ready := corev1.Pod{Status: corev1.PodStatus{PodIP: "10.244.7.5",
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	deleting := *ready.DeepCopy()
	deleting.DeletionTimestamp = &metav1.Time{}
	tests := []struct {
		name    string
		st      env.Status
		pods    []corev1.Pod
		verdict Verdict
		address string
		message string
	}{
		{name: "running", st: env.Status{Phase: env.PhaseRunning}, pods: []corev1.Pod{ready}, verdict: Connect, address: "10.244.7.5:22"},
		{name: "running but the only pod is going", st: env.Status{Phase: env.PhaseRunning}, pods: []corev1.Pod{deleting}, verdict: Wait, message: "demo.alpha is starting"},
		{name: "stopped", st: env.Status{Phase: env.PhaseStopped, Reason: "IdleCPU"}, verdict: Refuse,
			message: "demo.alpha is stopped (IdleCPU). Start it from the web page (Start), or: HINT"},
		{name: "starting", st: env.Status{Phase: env.PhaseStarting, Reason: "ContainerCreating"}, verdict: Wait, message: "demo.alpha is starting (ContainerCreating)"},
		{name: "pending", st: env.Status{Phase: env.PhasePending, Reason: "NoPod"}, verdict: Wait, message: "demo.alpha is starting (NoPod)"},
		{name: "failed", st: env.Status{Phase: env.PhaseFailed, Reason: "PackageInstallFailed", Message: "no such package"}, verdict: Refuse,
			message: "demo.alpha failed to start: PackageInstallFailed: no such package"},
		{name: "expired", st: env.Status{Phase: env.PhaseExpired, Message: "lifetime ended at X"}, verdict: Refuse,
			message: "demo.alpha has expired (lifetime ended at X); extend its lifetime from the web page, then start it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(target, tc.st, tc.pods, 22, "HINT")
			if d.Verdict != tc.verdict || d.Address != tc.address || !strings.HasPrefix(d.Message, tc.message) {
				t.Errorf("Decide = %+v, want verdict %v address %q message starting %q", d, tc.verdict, tc.address, tc.message)
			}
		})
	}
}

func TestDeniedMessageRevealsNothing(t *testing.T) {
	// The missing environment and the existing one that does not list the key get the same
	// words: only the name the user typed and their own key's fingerprint differ.
	a := deniedMessage(Target{Env: "secret", Team: "beta"}, "SHA256:x")
	b := deniedMessage(Target{Env: "nothere", Team: "beta"}, "SHA256:x")
	if strings.ReplaceAll(a, "secret", "nothere") != b {
		t.Errorf("messages differ beyond the name:\n%s\n%s", a, b)
	}
}

func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 30, 0, time.UTC)
	since := now.Add(-18 * time.Second)
	demo := Target{Env: "demo", Team: "alpha"}
	tests := []struct {
		name string
		p    *env.Progress
		want string
	}{
		{"no pod yet", nil, "devenvs: demo.alpha is starting; waiting for it"},
		{"scheduling", &env.Progress{Step: env.StepScheduling, Since: since}, "devenvs: demo.alpha is starting: waiting for a node (18s so far); waiting for it"},
		{"preparing", &env.Progress{Step: env.StepPreparing, Since: since}, "devenvs: demo.alpha is starting: preparing the container (image, volumes) (18s so far); waiting for it"},
		{"installing", &env.Progress{Step: env.StepInstallingPackages, Since: since}, "devenvs: demo.alpha is starting: installing packages (18s so far); waiting for it"},
		{"restoring", &env.Progress{Step: env.StepRestoringPackages, Since: since}, "devenvs: demo.alpha is starting: restoring the packages of its first start (18s so far); waiting for it"},
		{"ssh", &env.Progress{Step: env.StepStartingSSH, Since: since}, "devenvs: demo.alpha is starting: starting its SSH server (18s so far); waiting for it"},
		{"a step this gateway does not know", &env.Progress{Step: "warming-caches", Since: since}, "devenvs: demo.alpha is starting: warming-caches (18s so far); waiting for it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ProgressLine(demo, tc.p, now); got != tc.want {
				t.Errorf("ProgressLine = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWaitsPerKey: a key gets MaxWaitsPerKey slots, no more; a waiter holds one slot however
// often it waits, releases it once, and one key's slots never block another's.
func TestWaitsPerKey(t *testing.T) {
	var w waits
	var a []*waiter
	for i := range MaxWaitsPerKey {
		c := w.waiter("SHA256:a")
		if !c.hold() || !c.hold() {
			t.Fatalf("waiter %d of key a refused", i+1)
		}
		a = append(a, c)
	}
	extra := w.waiter("SHA256:a")
	if extra.hold() {
		t.Fatalf("waiter %d of key a given a slot", MaxWaitsPerKey+1)
	}
	extra.release() // holds nothing: gives nothing back
	b := w.waiter("SHA256:b")
	if !b.hold() {
		t.Fatal("key b refused while key a is full")
	}
	a[0].release()
	a[0].release()
	if got := w.n["SHA256:a"]; got != MaxWaitsPerKey-1 {
		t.Fatalf("after one waiter released twice, key a holds %d slots, want %d", got, MaxWaitsPerKey-1)
	}
	if !extra.hold() {
		t.Fatal("a slot given back is not free")
	}
	for _, c := range append(a[1:], extra, b) {
		c.release()
	}
	if len(w.n) != 0 {
		t.Errorf("slots left counted after all were released: %v", w.n)
	}
}
