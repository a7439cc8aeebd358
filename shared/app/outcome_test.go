package app

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIsActivity is the outcome policy as a table: which refusals are activity-log entries.
func TestIsActivity(t *testing.T) {
	got := map[int]bool{}
	for _, s := range []int{400, 404, 405, 409, 403, 413, 415, 422, 500, 502, 503} {
		got[s] = IsActivity(s)
	}
	want := map[int]bool{
		http.StatusBadRequest: false, http.StatusNotFound: false, http.StatusMethodNotAllowed: false,
		http.StatusRequestEntityTooLarge: false, http.StatusUnsupportedMediaType: false, http.StatusUnprocessableEntity: false,
		http.StatusForbidden: true, http.StatusConflict: true,
		http.StatusInternalServerError: true, http.StatusBadGateway: true, http.StatusServiceUnavailable: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IsActivity (-want +got):\n%s", diff)
	}
}
