package alerthandler

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJudgeSSHInput(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		window time.Duration
		last   time.Time
		ok     bool
		want   sshInputState
	}{
		{name: "none recorded", window: 30 * time.Minute, want: sshInputState{words: "no SSH input recorded"}},
		{name: "3 min ago keeps it", window: 30 * time.Minute, last: now.Add(-3 * time.Minute), ok: true,
			want: sshInputState{recent: true, words: "SSH input 3 min ago (team alpha keeps environments with SSH input in the last 30m)"}},
		{name: "seconds ago", window: 30 * time.Minute, last: now.Add(-40 * time.Second), ok: true,
			want: sshInputState{recent: true, words: "SSH input 40 s ago (team alpha keeps environments with SSH input in the last 30m)"}},
		{name: "older than the window", window: 30 * time.Minute, last: now.Add(-45 * time.Minute), ok: true,
			want: sshInputState{words: "no SSH input for 45 min"}},
		{name: "exactly the window is old", window: 30 * time.Minute, last: now.Add(-30 * time.Minute), ok: true,
			want: sshInputState{words: "no SSH input for 30 min"}},
		{name: "window 0s: input never counts", window: 0, last: now.Add(-time.Second), ok: true,
			want: sshInputState{words: "no SSH input for 1 s"}},
		{name: "a gateway clock ahead counts as now", window: time.Minute, last: now.Add(time.Second), ok: true,
			want: sshInputState{recent: true, words: "SSH input 0 s ago (team alpha keeps environments with SSH input in the last 1m)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeSSHInput("alpha", tc.window, tc.last, tc.ok, now)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(sshInputState{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
