package sshgateway

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
)

// A connection to a starting environment waits for it during authentication, printing its
// progress as SSH authentication banners: once the key is verified, and only then, the
// gateway holds the answer and sends a banner per step. OpenSSH prints banners on stderr
// (also inside ProxyJump's `ssh -W`, also with BatchMode), and a banner is the one message
// an SSH server can show before the client opens a channel.

// progressEvery is how often an unchanged step is printed again, so a long install does
// not look like a hang.
const progressEvery = 10 * time.Second

// logLines is how much of a starting pod's log holds its last announced step.
const logLines = 30

// verified runs after the client proved it holds an accepted key. For an environment that
// is starting it waits, printing progress, until it leaves Starting or StartWait passes;
// then, as for any other state, the connection goes on and connect opens the channel or
// says why not.
func (a *authState) verified(_ ssh.ConnMetadata, _ ssh.PublicKey, perms *ssh.Permissions, _ string) (*ssh.Permissions, error) {
	a.proven()
	if a.route == nil || a.banner == nil {
		return perms, nil
	}
	s := a.s
	ctx, cancel := context.WithTimeout(a.ctx, s.startWait())
	defer cancel()
	var last string
	var lastAt time.Time
	slot := s.waits.waiter(a.key.Fingerprint)
	defer slot.release()
	// The first look is at the route authentication just read; later ones read it again.
	for r := a.route; ; {
		p, waiting := s.startProgress(ctx, a.ns, a.target, r)
		if !waiting {
			return perms, nil
		}
		if !slot.hold() {
			// Said here, where OpenSSH prints it; connect refuses the channel too.
			_ = a.banner.SendAuthBanner("devenvs: " + tooManyWaits(a.target, a.key.Fingerprint) + "\r\n")
			return perms, nil
		}
		a.routeAt = time.Time{} // waited: connect reads the route again
		// The handshake deadline guards unauthenticated clients; this one holds a key.
		a.extendDeadline()
		step := ""
		if p != nil {
			step = p.Step
		}
		if step != last || s.now().Sub(lastAt) >= progressEvery {
			if err := a.banner.SendAuthBanner(ProgressLine(a.target, p, s.now()) + "\r\n"); err != nil {
				return nil, fmt.Errorf("show progress: %w", err)
			}
			last, lastAt = step, s.now()
		}
		select {
		case <-ctx.Done():
			return perms, nil
		case <-time.After(s.poll()):
		}
		lctx, lcancel := context.WithTimeout(ctx, lookupTimeout)
		next, err := s.Routes.Route(lctx, a.ns, a.target.Env)
		lcancel()
		if err != nil {
			return perms, nil // connect looks again and says what it finds
		}
		r = next
	}
}

// startProgress is where the start of the environment behind route r stands (nil before
// it has a pod), and whether it still starts.
func (s *Server) startProgress(ctx context.Context, ns string, t Target, r *kube.Route) (*env.Progress, bool) {
	st := env.Derive(r.Deployment, r.Pods, s.now())
	if Decide(t, st, r.Pods, 22, "").Verdict != Wait {
		return nil, false
	}
	pod := env.NewestPod(r.Pods)
	step := ""
	if pod != nil && resources.StartScriptRunning(pod) {
		lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		if log, err := s.Routes.LogTail(lctx, ns, pod.Name, resources.ContainerName, logLines); err == nil {
			step = env.LastStep(log)
		}
	}
	return env.ProgressOf(r.Deployment, pod, st, step, nil), true
}

// ProgressLine says in one line where a start stands and for how long.
func ProgressLine(t Target, p *env.Progress, now time.Time) string {
	if p == nil {
		return fmt.Sprintf("devenvs: %s is starting; waiting for it", t)
	}
	what := stepWords[p.Step]
	if what == "" {
		what = p.Step
	}
	return fmt.Sprintf("devenvs: %s is starting: %s (%s so far); waiting for it", t, what, now.Sub(p.Since).Round(time.Second))
}

// stepWords say each start step in words.
var stepWords = map[string]string{
	env.StepScheduling:         "waiting for a node",
	env.StepPreparing:          "preparing the container (image, volumes)",
	env.StepInstallingPackages: "installing packages",
	env.StepRestoringPackages:  "restoring the packages of its first start",
	env.StepStartingSSH:        "starting its SSH server",
}

func (s *Server) startWait() time.Duration {
	if s.StartWait != 0 {
		return s.StartWait
	}
	return DefaultStartWait
}

func (s *Server) poll() time.Duration {
	if s.Poll != 0 {
		return s.Poll
	}
	return time.Second
}
