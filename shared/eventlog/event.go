package eventlog

import (
	"errors"
	"time"
)

// Actions recorded by the platform. Action is a free string so a new handler can log a new
// verb without a change here; these constants keep the common ones spelled one way.
const (
	ActionCreate   = "create"
	ActionDelete   = "delete"
	ActionStop     = "stop"
	ActionStart    = "start"
	ActionExtend   = "extend"
	ActionResize   = "resize"
	ActionExpire   = "expire"
	ActionIdleStop = "idle-stop"
	// ActionIdleWarning announces a coming idle stop; ActionExpiryWarning a coming expiry.
	ActionIdleWarning   = "idle-warning"
	ActionExpiryWarning = "expiry-warning"
	ActionAlert         = "alert"
)

// Outcomes of an action.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	// OutcomeIgnored marks an action that was valid but had nothing to do, e.g. a duplicate
	// CloudEvent or a delete of an environment that is already gone.
	OutcomeIgnored = "ignored"
)

// ErrBadID is an event id that the log could not have given out.
var ErrBadID = errors.New("not an event id of this log")

// Event is one entry of the activity log.
type Event struct {
	// ID is the stream entry id, set on read. IDs are ordered within the stream they were read
	// from (the global stream and a team's stream assign their own).
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Team      string    `json:"team"`
	Env       string    `json:"env"`
	Outcome   string    `json:"outcome"`
	Reason    string    `json:"reason"`
	RequestID string    `json:"requestId"`
}

// stamped returns ev with Time set, so both implementations order and display the same way
// whether or not the caller filled it in, and with every string bounded (bounds.go).
func stamped(ev Event, now func() time.Time) Event {
	ev = bounded(ev)
	if ev.Time.IsZero() {
		ev.Time = now()
	}
	ev.Time = ev.Time.UTC()
	ev.ID = ""
	return ev
}
