package eventlog

import (
	"unicode/utf8"
)

// Every string the log stores is bounded, so whoever controls one (an alert's summary, a
// CloudEvent's id, a user name from a token) cannot fill Redis: an entry is at most about
// 2 KiB whatever it was given, and each stream keeps at most MAXLEN ~ entries. Limits are in
// bytes and cut at a rune boundary, marked with truncatedMark.
const (
	MaxActorBytes     = 256
	MaxActionBytes    = 64
	MaxNameBytes      = 63 // team and env: Kubernetes label values
	MaxOutcomeBytes   = 32
	MaxReasonBytes    = 1024
	MaxRequestIDBytes = 128
)

const truncatedMark = "…"

// bounded returns ev with every string within its limit.
func bounded(ev Event) Event {
	ev.Actor = truncate(ev.Actor, MaxActorBytes)
	ev.Action = truncate(ev.Action, MaxActionBytes)
	ev.Team = truncate(ev.Team, MaxNameBytes)
	ev.Env = truncate(ev.Env, MaxNameBytes)
	ev.Outcome = truncate(ev.Outcome, MaxOutcomeBytes)
	ev.Reason = truncate(ev.Reason, MaxReasonBytes)
	ev.RequestID = truncate(ev.RequestID, MaxRequestIDBytes)
	return ev
}

// truncate cuts s to at most max bytes (the mark included), at a rune boundary.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(truncatedMark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncatedMark
}
