package sshgateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/kube"
)

// forwardRequest is the payload of a direct-tcpip channel open (RFC 4254, 7.2).
type forwardRequest struct {
	Host       string
	Port       uint32
	OriginHost string
	OriginPort uint32
}

// forward serves one direct-tcpip channel: to the authenticated environment's sshd only,
// once it runs; stopped, failed or expired environments are refused with a message the
// OpenSSH client prints ("channel 0: open failed: administratively prohibited: ...").
func (s *Server) forward(ctx context.Context, c *conn, nch ssh.NewChannel) {
	var req forwardRequest
	if err := ssh.Unmarshal(nch.ExtraData(), &req); err != nil {
		_ = nch.Reject(ssh.ConnectionFailed, "malformed direct-tcpip request")
		return
	}
	if dest, err := ParseTarget(req.Host); err != nil || dest != c.target {
		_ = nch.Reject(ssh.Prohibited, fmt.Sprintf("devenvs: this connection is for %s and cannot reach %q; name the same environment in -J and as the destination: ssh -J %s@%s %s@%s",
			c.target, req.Host, c.target, s.address(), s.Config.SSH.User, c.target))
		return
	}
	if req.Port != 22 && req.Port != uint32(s.Config.SSH.Port) {
		_ = nch.Reject(ssh.Prohibited, fmt.Sprintf("devenvs: only %s's SSH port (22) is reachable through the gateway; forward other ports inside the session (ssh -L)", c.target))
		return
	}
	started := s.now()
	envConn, err := s.connect(ctx, c)
	if err != nil {
		var refusal *refusal
		msg := "devenvs: " + c.target.String() + ": " + err.Error()
		if errors.As(err, &refusal) {
			msg = "devenvs: " + refusal.msg
		}
		s.Events.Record(context.WithoutCancel(ctx), eventlog.Event{
			Actor: "ssh:" + c.key.Owner(), Action: ActionConnect, Team: c.target.Team, Env: c.target.Env,
			Outcome: eventlog.OutcomeFailure, Reason: msg,
		})
		_ = nch.Reject(ssh.Prohibited, msg)
		return
	}
	defer envConn.Close()
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	s.Events.Record(ctx, eventlog.Event{
		Actor: "ssh:" + c.key.Owner(), Action: ActionConnect, Team: c.target.Team, Env: c.target.Env,
		Outcome: eventlog.OutcomeSuccess, Reason: connectReason(c) + fmt.Sprintf(" (ready in %s)", s.now().Sub(started).Round(time.Millisecond)),
	})
	m := &meter{}
	s.touch(ctx, c, started) // connecting is the user's doing: it counts as input
	m.lastInput.Store(started.UnixNano())
	stopMeter := s.watchInput(ctx, c, m)
	in, out := pipe(ctx, ch, envConn, m)
	stopMeter()
	end := s.now()
	last := time.Unix(0, m.lastInput.Load())
	s.Events.Record(context.WithoutCancel(ctx), eventlog.Event{
		Actor: "ssh:" + c.key.Owner(), Action: ActionDisconnect, Team: c.target.Team, Env: c.target.Env,
		Outcome: eventlog.OutcomeSuccess, Reason: disconnectReason(c, end.Sub(started), in, out, last, end),
	})
}

// refusal is a reason not to connect that the user should read as is.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// connect waits for the environment to run (up to StartWait) and dials its sshd. The keys
// are read again: a key removed since the connection was authenticated opens nothing.
func (s *Server) connect(ctx context.Context, c *conn) (net.Conn, error) {
	wait, poll := s.startWait(), s.poll()
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	slot := s.waits.waiter(c.key.Fingerprint)
	defer slot.release()
	last := ""
	for {
		r, err := s.route(ctx, c)
		switch {
		case errors.Is(err, kube.ErrNotFound):
			return nil, &refusal{msg: deniedMessage(c.target, c.key.Fingerprint)}
		case err != nil && ctx.Err() != nil:
			return nil, &refusal{msg: fmt.Sprintf("%s: %s (still not running after %s; try again)", c.target, last, wait)}
		case err != nil:
			return nil, fmt.Errorf("look up: %w", err)
		}
		if _, ok := Authorize(r.AuthorizedKeys, keyOf(c)); !ok {
			return nil, &refusal{msg: deniedMessage(c.target, c.key.Fingerprint)}
		}
		d := Decide(c.target, env.Derive(r.Deployment, r.Pods, s.now()), r.Pods, 22, s.startHint(c.target))
		switch d.Verdict {
		case Refuse:
			return nil, &refusal{msg: d.Message}
		case Connect:
			dial := s.Dial
			if dial == nil {
				dial = (&net.Dialer{}).DialContext
			}
			dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
			nc, err := dial(dctx, "tcp", d.Address)
			dcancel()
			if err == nil {
				return nc, nil
			}
			last = fmt.Sprintf("its sshd at %s does not answer (%v)", d.Address, err)
		case Wait:
			last = d.Message
		}
		if !slot.hold() {
			return nil, &refusal{msg: tooManyWaits(c.target, c.key.Fingerprint)}
		}
		select {
		case <-ctx.Done():
			return nil, &refusal{msg: fmt.Sprintf("%s (still not running after %s; try again)", last, wait)}
		case <-time.After(poll):
		}
	}
}

// routeFresh is how long the route read during authentication still stands for the first
// channel: a key removed or a stop in that window is a race the user cannot tell from one
// that happened just after.
const routeFresh = 2 * time.Second

// route reads the environment's route, or takes the one authentication just read.
func (s *Server) route(ctx context.Context, c *conn) (*kube.Route, error) {
	if r := c.authRoute; r != nil && s.now().Sub(c.authRouteAt) < routeFresh {
		c.authRoute = nil
		return r, nil
	}
	c.authRoute = nil
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	return s.Routes.Route(lctx, c.ns, c.target.Env)
}

// keyOf rebuilds the authenticated key for re-authorization.
func keyOf(c *conn) ssh.PublicKey { return c.key.public }

func (s *Server) startHint(t Target) string {
	if s.StartHint != nil {
		return s.StartHint(t)
	}
	return fmt.Sprintf(`PATCH /%s/%s {"action": "start"} on the updateenv API`, t.Team, t.Env)
}

// meter counts a session's bytes, and the client's bytes of the current input interval.
type meter struct {
	in, out, window atomic.Int64
	lastInput       atomic.Int64 // UnixNano of the last interval that counted as input
}

// countingWriter counts what passes through it into the given counters.
type countingWriter struct {
	w        io.Writer
	counters []*atomic.Int64
}

func (cw countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	for _, c := range cw.counters {
		c.Add(int64(n))
	}
	return n, err
}

// pipe copies both ways until both directions end (or the connection goes), half-closing
// so each side sees the other's end of input. It returns the bytes each way.
func pipe(ctx context.Context, ch ssh.Channel, envConn net.Conn, m *meter) (in, out int64) {
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(countingWriter{envConn, []*atomic.Int64{&m.in, &m.window}}, ch)
		if tc, ok := envConn.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(countingWriter{ch, []*atomic.Int64{&m.out}}, envConn)
		_ = ch.CloseWrite()
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	// One side ended: give the other a moment to drain, then end both.
	select {
	case <-done:
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	_ = ch.Close()
	_ = envConn.Close()
	return m.in.Load(), m.out.Load()
}

// watchInput records SSH input once per interval in which the client sent at least the
// threshold, and returns a function that stops watching (recording a last partial interval).
func (s *Server) watchInput(ctx context.Context, c *conn, m *meter) func() {
	interval, threshold := s.InputInterval, s.InputThreshold
	if interval == 0 {
		interval = DefaultInputInterval
	}
	if threshold == 0 {
		threshold = DefaultInputThreshold
	}
	check := func() {
		if m.window.Swap(0) >= threshold {
			now := s.now()
			m.lastInput.Store(now.UnixNano())
			s.touch(ctx, c, now)
		}
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				check()
			case <-stop:
				check()
				return
			}
		}
	}()
	return func() { close(stop); <-finished }
}

// touch records input; a failure is logged, never the session's end.
func (s *Server) touch(ctx context.Context, c *conn, t time.Time) {
	if s.Input == nil {
		return
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := s.Input.Touch(tctx, c.ns, c.target.Env, t); err != nil {
		s.Logger.WithError(err).WithField("target", c.target.String()).Warn("record SSH input")
	}
}
