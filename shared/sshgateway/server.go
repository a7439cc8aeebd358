package sshgateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"
	"golang.org/x/time/rate"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/kube"
)

// Router reads an environment's route and a starting pod's log; *kube.Client is one.
type Router interface {
	Route(ctx context.Context, ns, name string) (*kube.Route, error)
	// LogTail reads a starting pod's last log lines: the step its start script announced.
	LogTail(ctx context.Context, ns, pod, container string, lines int) (string, error)
}

// Recorder writes the activity log; *eventlog.Safe is one (it never fails the caller).
type Recorder interface {
	Record(ctx context.Context, ev eventlog.Event)
}

// Defaults of Server's tunables.
const (
	// DefaultStartWait is how long a connection to a starting environment waits for it:
	// package installs on a cold start take 15-25 s, a slow mirror more.
	DefaultStartWait = 3 * time.Minute
	// DefaultInputInterval and DefaultInputThreshold define SSH input: a client sending at
	// least DefaultInputThreshold bytes towards the environment within one interval typed
	// (or copied files, or ran commands). Below it is keepalive noise: OpenSSH's
	// ServerAliveInterval=15 sends 2 packets of ~64 bytes per 30 s (measured in the tests),
	// so a laptop left connected does not keep its environment alive; a few keystrokes
	// (each an encrypted packet of ~36-64 bytes) in 30 s do.
	DefaultInputInterval  = 30 * time.Second
	DefaultInputThreshold = 200
	// lookupTimeout bounds one route lookup against the apiserver.
	lookupTimeout = 10 * time.Second
	// handshakeTimeout bounds the SSH handshake and authentication of one connection.
	handshakeTimeout = 30 * time.Second
	// DefaultMaxHandshakes bounds the connections that have not proved a key yet, as
	// OpenSSH's MaxStartups does: each holds memory for up to handshakeTimeout, so past the
	// bound a new connection is closed at once instead of a flood exhausting the gateway.
	DefaultMaxHandshakes = 256
)

// Server is the gateway. Fill the fields, then call Serve.
type Server struct {
	Config  *config.Config
	Routes  Router
	Events  Recorder
	Input   eventlog.SSHInput
	HostKey ssh.Signer
	Logger  *logrus.Entry
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Dial connects to an environment's sshd; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// StartWait, Poll, InputInterval and InputThreshold: zero means the defaults.
	StartWait      time.Duration
	Poll           time.Duration
	InputInterval  time.Duration
	InputThreshold int64
	// StartHint is the command a user runs to start a stopped environment.
	StartHint func(Target) string
	// MaxHandshakes: zero means DefaultMaxHandshakes.
	MaxHandshakes int

	wg         sync.WaitGroup
	waits      waits         // waiting connections and channels per key (waits.go)
	handshakes chan struct{} // a slot per connection that has not proved a key yet
	dropped    rate.Sometimes
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Serve accepts connections until ctx ends or l fails, then waits for open ones to close.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	go func() { <-ctx.Done(); _ = l.Close() }()
	defer s.wg.Wait()
	s.handshakes = make(chan struct{}, cmp.Or(s.MaxHandshakes, DefaultMaxHandshakes))
	s.dropped = rate.Sometimes{Interval: 10 * time.Second}
	for {
		nc, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		select {
		case s.handshakes <- struct{}{}:
		default:
			_ = nc.Close()
			s.dropped.Do(func() {
				s.Logger.WithField("remote", nc.RemoteAddr().String()).Warnf("%d connections are authenticating: closing new ones until one is done", cap(s.handshakes))
			})
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(ctx, nc)
		}()
	}
}

// conn is one authenticated client connection.
type conn struct {
	target Target
	ns     string
	key    Key
	remote string
	// authRoute is the route authentication read, reused by the first channel while it is
	// fresh: one apiserver round trip less per ssh (docs/PERFORMANCE.md, gateway).
	authRoute   *kube.Route
	authRouteAt time.Time
}

// serveConn runs one client connection: handshake and authentication, then its channels.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	defer nc.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The handshake slot is given back once the client proved a key (a wait for a start
	// that follows is bounded per key) or the handshake ended.
	proven := sync.OnceFunc(func() { <-s.handshakes })
	defer proven()
	auth := &authState{s: s, ctx: ctx, proven: proven, extendDeadline: func() { _ = nc.SetDeadline(s.now().Add(handshakeTimeout)) }}
	cfg := &ssh.ServerConfig{
		ServerVersion:     "SSH-2.0-devenvs-gateway",
		MaxAuthTries:      10,
		PublicKeyCallback: auth.publicKey,
		// A starting environment: wait for it here, printing progress (progress.go).
		VerifiedPublicKeyCallback: auth.verified,
		PreAuthConnCallback:       func(c ssh.ServerPreAuthConn) { auth.banner = c },
		// No password or keyboard-interactive callbacks: public keys are the only method.
	}
	cfg.AddHostKey(s.HostKey)
	_ = nc.SetDeadline(s.now().Add(handshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		auth.recordRefusal(ctx, nc.RemoteAddr().String())
		s.Logger.WithError(err).WithField("remote", nc.RemoteAddr().String()).Debug("handshake")
		return
	}
	_ = nc.SetDeadline(time.Time{})
	defer sconn.Close()
	c := &conn{target: auth.target, ns: auth.ns, key: auth.key, remote: nc.RemoteAddr().String(),
		authRoute: auth.route, authRouteAt: auth.routeAt}
	c.key.public = auth.pub
	go ssh.DiscardRequests(reqs)
	go func() { _ = sconn.Wait(); cancel() }()
	var chWG sync.WaitGroup
	defer chWG.Wait()
	for nch := range chans {
		switch nch.ChannelType() {
		case "direct-tcpip":
			chWG.Add(1)
			go func() { defer chWG.Done(); s.forward(ctx, c, nch) }()
		case "session":
			chWG.Add(1)
			go func() { defer chWG.Done(); s.session(c, nch) }()
		default:
			_ = nch.Reject(ssh.UnknownChannelType, "the devenvs gateway only forwards to environments (ssh -J)")
		}
	}
}

// authState is one connection's authentication: which environment the user names, its keys
// (read once per connection, however many keys the client offers) and what was refused.
type authState struct {
	s      *Server
	ctx    context.Context
	banner ssh.ServerPreAuthConn // sends authentication banners: progress while waiting
	// extendDeadline pushes the handshake deadline on while a verified client waits.
	extendDeadline func()
	// proven gives back the connection's handshake slot: the client holds an accepted key.
	proven  func()
	looked  bool
	route   *kube.Route
	routeAt time.Time
	target  Target
	ns      string
	key     Key
	pub     ssh.PublicKey
	refused []string
}

// publicKey accepts a key only when it is one of the named environment's authorized keys.
// Every refusal, for a missing environment too, says the same, so trying names reveals none.
// The message goes out as a banner before the refusal: OpenSSH prints it.
func (a *authState) publicKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	t, err := ParseTarget(meta.User())
	if err != nil {
		return nil, &ssh.BannerError{Err: err, Message: fmt.Sprintf(
			"devenvs: name the environment as the gateway user, <environment>.<team>: ssh -J demo.alpha@%s dev@demo.alpha (%v)\r\n",
			a.s.address(), err)}
	}
	if !a.looked || a.target != t {
		a.looked, a.target, a.route, a.ns = true, t, nil, ""
		if team, ok := a.s.Config.Team(t.Team); ok {
			ctx, cancel := context.WithTimeout(a.ctx, lookupTimeout)
			r, err := a.s.Routes.Route(ctx, team.Namespace, t.Env)
			cancel()
			switch {
			case errors.Is(err, kube.ErrNotFound):
			case err != nil:
				a.looked = false
				a.s.Logger.WithError(err).WithField("target", t.String()).Error("route lookup")
				return nil, &ssh.BannerError{Err: err, Message: "devenvs: the gateway cannot look environments up right now; try again in a minute\r\n"}
			default:
				a.route, a.routeAt, a.ns = r, a.s.now(), team.Namespace
			}
		}
	}
	if a.route != nil {
		if k, ok := Authorize(a.route.AuthorizedKeys, key); ok {
			a.key, a.pub = k, key
			return &ssh.Permissions{}, nil
		}
		a.refused = append(a.refused, ssh.FingerprintSHA256(key))
	}
	return nil, &ssh.BannerError{Err: errors.New("key not authorized"), Message: deniedMessage(t, ssh.FingerprintSHA256(key))}
}

// deniedMessage is the one answer for a missing environment and a key it does not list.
func deniedMessage(t Target, fingerprint string) string {
	return fmt.Sprintf("devenvs: %s: no environment of that name accepts key %s (it does not exist, or the key is not one of its keys)\r\n", t, fingerprint)
}

// recordRefusal logs a connection that offered only keys an existing environment does not
// list (a missing environment has no team log to write to, and naming it would leak nothing
// useful anyway).
func (a *authState) recordRefusal(ctx context.Context, remote string) {
	if a.route == nil || len(a.refused) == 0 || a.key.Fingerprint != "" {
		return
	}
	a.s.Events.Record(context.WithoutCancel(ctx), eventlog.Event{
		Actor: "ssh:" + a.refused[0], Action: ActionConnect, Team: a.target.Team, Env: a.target.Env,
		Outcome: eventlog.OutcomeFailure, Reason: fmt.Sprintf("refused from %s: key %v not listed", remote, a.refused),
	})
}

// address is how users reach the gateway, for messages.
func (s *Server) address() string {
	if a := s.Config.SSH.Gateway.Address(); a != "" {
		return a
	}
	return "<gateway>"
}

// session answers `ssh demo.alpha@gateway` (a shell on the gateway itself, which it has
// not) with the command that works.
func (s *Server) session(c *conn, nch ssh.NewChannel) {
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	for req := range reqs {
		switch req.Type {
		case "shell", "exec", "subsystem":
			_ = req.Reply(true, nil)
			fmt.Fprintf(ch.Stderr(), "devenvs: the gateway has no shell of its own; it forwards to %s's sshd. Use:\r\n    ssh -J %s@%s %s@%s\r\n(the web page shows this command and an ~/.ssh/config entry for editors)\r\n",
				c.target, c.target, s.address(), s.Config.SSH.User, c.target)
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{1}))
			return
		default:
			_ = req.Reply(req.WantReply, nil) // pty-req, env: harmless, answered so the client goes on
		}
	}
}
