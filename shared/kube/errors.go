package kube

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

var (
	// ErrExists means an environment of that name already exists in the team.
	ErrExists = errors.New("environment already exists")
	// ErrNotFound means no such environment in the team.
	ErrNotFound = errors.New("environment not found")
)

// LimitError means the team already has Max environments (or more, if its limit was
// lowered), as many as it may have.
type LimitError struct{ Max int }

func (e *LimitError) Error() string {
	return fmt.Sprintf("already %d environments, the most allowed", e.Max)
}

// CleanupError means a create failed (Cause) and undoing it failed too (Cleanup): objects
// may be left behind. It deliberately does not unwrap to Cause, so callers do not answer
// as if only Cause had happened.
type CleanupError struct{ Cause, Cleanup error }

func (e *CleanupError) Error() string {
	return fmt.Sprintf("%v; undoing the create failed too, objects may be left behind: %v", e.Cause, e.Cleanup)
}

// QuotaError is the apiserver refusing an object because the team's ResourceQuota would be
// exceeded. Message is the apiserver's own text, which names the quota, what was requested,
// what is used and the limit ("exceeded quota: devenvs, requested: requests.cpu=4, used:
// requests.cpu=30, limited: requests.cpu=32").
type QuotaError struct{ Message string }

func (e *QuotaError) Error() string { return e.Message }

func isQuota(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota")
}

// isQuotaUnknown is quota admission refusing because a ResourceQuota's usage is not known
// yet (a quota made a moment ago, before the quota controller counted).
func isQuotaUnknown(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "status unknown for quota")
}

// classify turns the apiserver's quota refusals into a *QuotaError and leaves the rest alone.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if isQuota(err) {
		return &QuotaError{Message: statusMessage(err)}
	}
	return err
}

func statusMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Message
	}
	return err.Error()
}
