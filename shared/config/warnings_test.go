package config

import (
	"testing"
	"time"
)

func TestStopNoticeAndIdleStopOff(t *testing.T) {
	zero, ten := Duration(0), Duration(10*time.Minute)
	no, yes := false, true
	tests := []struct {
		name       string
		warning    *Duration
		allow      *bool
		wantNotice time.Duration
		wantAllow  bool
	}{
		{"unset: defaults", nil, nil, DefaultStopWarning, true},
		{"no warnings configured", &zero, &no, 0, false},
		{"own notice", &ten, &yes, 10 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := Team{StopWarning: tt.warning, AllowIdleStopOff: tt.allow}
			if got := tm.StopNotice(); got != tt.wantNotice {
				t.Errorf("StopNotice() = %s, want %s", got, tt.wantNotice)
			}
			if got := tm.IdleStopOffAllowed(); got != tt.wantAllow {
				t.Errorf("IdleStopOffAllowed() = %v, want %v", got, tt.wantAllow)
			}
		})
	}
}
