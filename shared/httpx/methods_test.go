package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAllowMethods(t *testing.T) {
	h := AllowMethods(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }),
		http.MethodDelete, http.MethodPost)
	for _, tc := range []struct {
		method    string
		wantCode  int
		wantAllow string
		wantMsg   string
	}{
		{http.MethodDelete, http.StatusNoContent, "", ""},
		{http.MethodPost, http.StatusNoContent, "", ""},
		{http.MethodGet, http.StatusMethodNotAllowed, "DELETE, POST", "method GET not allowed: use DELETE or POST"},
		{http.MethodOptions, http.StatusMethodNotAllowed, "DELETE, POST", "method OPTIONS not allowed: use DELETE or POST"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, "/", nil))
		got := []any{rec.Code, rec.Header().Get("Allow")}
		if tc.wantMsg != "" {
			got = append(got, decodeError(t, rec).Message)
		}
		want := []any{tc.wantCode, tc.wantAllow}
		if tc.wantMsg != "" {
			want = append(want, tc.wantMsg)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: status, Allow, message (-want +got):\n%s", tc.method, diff)
		}
	}
}
