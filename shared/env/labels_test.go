package env

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestOwnerLabelValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"Alice@Example.com", "alice-example.com"},
		{"system:serviceaccount:ns:bot", "system-serviceaccount-ns-bot"},
		{"  _bob_ ", "bob"},
		{"..--x--..", "x"},
		{"zoë", "zo"},
		{"@@@", ""},
		{"", ""},
		{strings.Repeat("a", 62) + "@b", strings.Repeat("a", 62)},
		{strings.Repeat("a", 70), strings.Repeat("a", 63)},
	}
	for _, tc := range tests {
		got := OwnerLabelValue(tc.in)
		if got != tc.want {
			t.Errorf("OwnerLabelValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if msgs := validation.IsValidLabelValue(got); len(msgs) > 0 {
			t.Errorf("OwnerLabelValue(%q) = %q is not a label value: %v", tc.in, got, msgs)
		}
	}
}

func TestSelectors(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"Selector", Selector(), "app.kubernetes.io/managed-by=devenvs"},
		{"NameSelector", NameSelector("web"), "app.kubernetes.io/managed-by=devenvs,devenvs.dev/env=web"},
		{"NamesSelector", NamesSelector([]string{"web", "api"}), "app.kubernetes.io/managed-by=devenvs,devenvs.dev/env in (api,web)"},
		{"NamesSelector falls back to Selector", NamesSelector([]string{"web", strings.Repeat("x", 64)}), "app.kubernetes.io/managed-by=devenvs"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s() = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestLabels(t *testing.T) {
	want := map[string]string{
		"app.kubernetes.io/managed-by": "devenvs",
		"devenvs.dev/team":             "alpha",
		"devenvs.dev/env":              "web",
		"devenvs.dev/owner":            "alice-example.com",
		"devenvs.dev/pool":             "cpu-small",
	}
	if diff := cmp.Diff(want, Labels("alpha", "web", "alice@example.com", "cpu-small")); diff != "" {
		t.Errorf("Labels() (-want +got):\n%s", diff)
	}
}
