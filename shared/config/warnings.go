package config

import "time"

// DefaultStopWarning is the notice a team gets before a platform stop (idle or expiry) when
// it configures none: the activity log and the UI warn at least this long before.
const DefaultStopWarning = 15 * time.Minute

// StopNotice is how long before an idle or expiry stop the team is warned. Zero means the
// team configured no warnings (stopWarning: 0s): stops then come without one.
func (t *Team) StopNotice() time.Duration {
	if t.StopWarning == nil {
		return DefaultStopWarning
	}
	return time.Duration(*t.StopWarning)
}

// IdleStopOffAllowed reports whether the team's members may turn the idle stop off for an
// environment (at create, or later with the idle-stop update). Unset means allowed.
func (t *Team) IdleStopOffAllowed() bool {
	return t.AllowIdleStopOff == nil || *t.AllowIdleStopOff
}
