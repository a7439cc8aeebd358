package sshgateway

import (
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/devenvs/devenvs/shared/env"
)

// Verdict is what the gateway does with a channel to an environment in a given state.
type Verdict int

const (
	// Connect: the environment is running; dial Address.
	Connect Verdict = iota
	// Wait: it is starting; look again shortly.
	Wait
	// Refuse: say Message and open nothing.
	Refuse
)

// Decision is Decide's answer.
type Decision struct {
	Verdict Verdict
	Address string // pod IP and SSH port, for Connect
	Message string // for the user: why not now, and what to do
	Phase   env.Phase
}

// Decide maps an environment's state (env.Derive over its Deployment and pods) to what a
// connection does. updateURL, when known, goes into the hint for starting a stopped one.
func Decide(t Target, st env.Status, pods []corev1.Pod, port int, startHint string) Decision {
	switch st.Phase {
	case env.PhaseRunning:
		if ip := readyPodIP(pods); ip != "" {
			return Decision{Verdict: Connect, Address: net.JoinHostPort(ip, strconv.Itoa(port)), Phase: st.Phase}
		}
		return Decision{Verdict: Wait, Message: fmt.Sprintf("%s is starting (no ready pod yet)", t), Phase: env.PhaseStarting}
	case env.PhaseStopped:
		return Decision{Verdict: Refuse, Phase: st.Phase, Message: fmt.Sprintf(
			"%s is stopped%s. Start it from the web page (Start), or: %s", t, because(st.Reason), startHint)}
	case env.PhaseExpired:
		return Decision{Verdict: Refuse, Phase: st.Phase, Message: fmt.Sprintf(
			"%s has expired (%s); extend its lifetime from the web page, then start it", t, st.Message)}
	case env.PhaseFailed:
		return Decision{Verdict: Refuse, Phase: st.Phase, Message: fmt.Sprintf(
			"%s failed to start: %s: %s", t, st.Reason, st.Message)}
	}
	msg := fmt.Sprintf("%s is starting", t)
	if st.Reason != "" {
		msg += " (" + st.Reason + ")"
	}
	return Decision{Verdict: Wait, Message: msg, Phase: st.Phase}
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

// readyPodIP is the IP of a live, ready pod, or "".
func readyPodIP(pods []corev1.Pod) string {
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.PodIP == "" {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return p.Status.PodIP
			}
		}
	}
	return ""
}
