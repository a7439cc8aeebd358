package sshgateway

import (
	"fmt"
	"time"
)

// Activity-log actions of the gateway.
const (
	ActionConnect    = "ssh-connect"
	ActionDisconnect = "ssh-disconnect"
)

// connectReason is the log line of an opened session.
func connectReason(c *conn) string {
	return fmt.Sprintf("%s (key %s) from %s through the SSH gateway", c.key.Owner(), c.key.Fingerprint, c.remote)
}

// disconnectReason is the log line of a closed session: how long, how much each way, and
// when the user last typed (the number the idle rule uses).
func disconnectReason(c *conn, d time.Duration, in, out int64, lastInput time.Time, end time.Time) string {
	input := "no input"
	if !lastInput.IsZero() {
		input = "last input " + ago(end.Sub(lastInput))
	}
	return fmt.Sprintf("%s (key %s) after %s: %s sent, %s received; %s",
		c.key.Owner(), c.key.Fingerprint, d.Round(time.Second), bytesOf(in), bytesOf(out), input)
}

// ago says a duration the way the log reads it: "3 min ago", "40 s ago".
func ago(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	}
	return fmt.Sprintf("%d min ago", int(d.Minutes()))
}

// bytesOf formats a byte count in binary units.
func bytesOf(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}
