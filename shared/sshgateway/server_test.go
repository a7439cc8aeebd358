package sshgateway

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"
)

// TestHandshakesAreBounded: past MaxHandshakes connections that have not proved a key, a
// new one is closed at once; when one of them goes, a new one is served again.
func TestHandshakesAreBounded(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{HostKey: signer, Logger: logrus.NewEntry(logrus.New()), MaxHandshakes: 2}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// greeting dials the gateway and reads what it says first: its version line, or EOF
	// when it closed the connection.
	greeting := func() (net.Conn, string) {
		t.Helper()
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil && err != io.EOF {
			t.Fatalf("reading the greeting: %v", err)
		}
		return c, strings.TrimSpace(line)
	}
	const version = "SSH-2.0-devenvs-gateway"
	first, got := greeting()
	if got != version {
		t.Fatalf("first connection: %q", got)
	}
	if _, got := greeting(); got != version {
		t.Fatalf("second connection: %q", got)
	}
	if _, got := greeting(); got != "" {
		t.Fatalf("third connection, past the bound: %q, want it closed", got)
	}
	first.Close()
	// The gateway sees the close when its handshake read fails: soon, not at once.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, got := greeting(); got == version {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection served 5 s after one of the two left")
		}
	}
}
