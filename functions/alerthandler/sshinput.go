package alerthandler

import (
	"context"
	"fmt"
	"time"

	"github.com/devenvs/devenvs/shared/config"
)

// sshInputState is what the SSH gateway recorded about an environment, as the idle rule
// reads it: recent input keeps the idle stop (and its warning) away.
type sshInputState struct {
	recent bool
	// words say it with the numbers, for the log: "SSH input 3 min ago (team alpha keeps
	// environments with SSH input in the last 30m)" or "no SSH input for 45 min".
	words string
}

// sshInput applies the team's rule: input through the gateway within sshInputWindow means
// the environment is in use however low its CPU. An open connection nobody types into does
// not count (the gateway records input, not connections), so a laptop left connected does
// not keep an environment alive.
func (f *Function) sshInput(ctx context.Context, team *config.Team, name string, now time.Time) (sshInputState, error) {
	window := team.SSHInputKeeps()
	last, ok, err := f.App.SSHInput.Last(ctx, team.Namespace, name)
	if err != nil {
		// Unknown whether someone is typing: a retry is cheaper than a wrong stop.
		return sshInputState{}, fmt.Errorf("SSH input of %s/%s: %w", team.Namespace, name, err)
	}
	return judgeSSHInput(team.Name, window, last, ok, now), nil
}

// judgeSSHInput is the rule itself, pure for table tests.
func judgeSSHInput(team string, window time.Duration, last time.Time, ok bool, now time.Time) sshInputState {
	if !ok {
		return sshInputState{words: "no SSH input recorded"}
	}
	since := now.Sub(last)
	if since < 0 {
		since = 0
	}
	if window > 0 && since < window {
		return sshInputState{recent: true, words: fmt.Sprintf("SSH input %s ago (team %s keeps environments with SSH input in the last %s)",
			roughly(since), team, config.Duration(window))}
	}
	return sshInputState{words: "no SSH input for " + roughly(since)}
}

// roughly says a duration in whole minutes, or seconds under one.
func roughly(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}
