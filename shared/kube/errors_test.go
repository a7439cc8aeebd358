package kube

import (
	"errors"
	"strings"
	"testing"
)

// A create that was refused and then could not be undone must not be answered as a plain
// refusal: objects may be left behind.
func TestCleanupErrorIsNotItsCause(t *testing.T) {
	tests := []struct {
		name  string
		cause error
	}{
		{"limit", &LimitError{Max: 2}},
		{"quota", &QuotaError{Message: "exceeded quota: devenvs"}},
		{"exists", ErrExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := error(&CleanupError{Cause: tc.cause, Cleanup: errors.New("delete deployment t/x: connection refused")})
			var limit *LimitError
			var quota *QuotaError
			if errors.As(err, &limit) || errors.As(err, &quota) || errors.Is(err, ErrExists) {
				t.Errorf("%v unwraps to its cause", err)
			}
			for _, want := range []string{tc.cause.Error(), "connection refused", "left behind"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q lacks %q", err, want)
				}
			}
		})
	}
}
