package eventlog

import (
	"fmt"
	"time"
)

// Stream field names. They match the JSON names so redis-cli output reads like the API.
const (
	fieldTime      = "time"
	fieldActor     = "actor"
	fieldAction    = "action"
	fieldTeam      = "team"
	fieldEnv       = "env"
	fieldOutcome   = "outcome"
	fieldReason    = "reason"
	fieldRequestID = "requestId"
)

// encode flattens ev into stream field/value pairs; flat strings keep entries readable with
// redis-cli and decodable by any client.
func encode(ev Event) []string {
	return []string{
		fieldTime, ev.Time.Format(time.RFC3339Nano),
		fieldActor, ev.Actor,
		fieldAction, ev.Action,
		fieldTeam, ev.Team,
		fieldEnv, ev.Env,
		fieldOutcome, ev.Outcome,
		fieldReason, ev.Reason,
		fieldRequestID, ev.RequestID,
	}
}

// decode is lenient: an entry written by an older or foreign writer still shows up, with
// whatever fields it has, rather than failing the whole activity panel.
func decode(id string, values map[string]any) Event {
	str := func(k string) string {
		switch v := values[k].(type) {
		case string:
			return v
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	ev := Event{
		ID:        id,
		Actor:     str(fieldActor),
		Action:    str(fieldAction),
		Team:      str(fieldTeam),
		Env:       str(fieldEnv),
		Outcome:   str(fieldOutcome),
		Reason:    str(fieldReason),
		RequestID: str(fieldRequestID),
	}
	if t, err := time.Parse(time.RFC3339Nano, str(fieldTime)); err == nil {
		ev.Time = t
	}
	return ev
}
