package config

import "testing"

func TestLookups(t *testing.T) {
	c := Default()
	tests := []struct {
		kind, name string
		found      bool
	}{
		{"team", "alpha", true},
		{"team", "gamma", false},
		{"team", "", false},
		{"pool", "gpu-a100", true},
		{"pool", "GPU-A100", false},
		{"priority", "high", true},
		{"priority", "urgent", false},
	}
	for _, tc := range tests {
		var got string
		var ok bool
		switch tc.kind {
		case "team":
			if v, found := c.Team(tc.name); found {
				got, ok = v.Name, true
			}
		case "pool":
			if v, found := c.Pool(tc.name); found {
				got, ok = v.Name, true
			}
		case "priority":
			if v, found := c.Priority(tc.name); found {
				got, ok = v.Name, true
			}
		}
		if ok != tc.found || (ok && got != tc.name) {
			t.Errorf("%s(%q) = %q, %v; want found=%v", tc.kind, tc.name, got, ok, tc.found)
		}
	}

	// Lookups return pointers into the config, so callers see one source of truth.
	team, _ := c.Team("beta")
	team.MaxEnvironments = 99
	if again, _ := c.Team("beta"); again.MaxEnvironments != 99 {
		t.Error("Team() returned a copy, want a pointer into Config.Teams")
	}
}

func TestTeamAllows(t *testing.T) {
	beta, _ := Default().Team("beta")
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"pool cpu-small", beta.AllowsPool("cpu-small"), true},
		{"pool gpu-a100", beta.AllowsPool("gpu-a100"), false},
		{"priority normal", beta.AllowsPriority("normal"), true},
		{"priority high", beta.AllowsPriority("high"), false},
		{"image ubuntu:24.04", beta.AllowsImage("ubuntu:24.04"), true},
		{"image any spelling", beta.AllowsImage("docker.io/library/debian:12", "debian:12"), true},
		{"image fedora", beta.AllowsImage("fedora:40"), false},
		{"glob does not cross /", beta.AllowsImage("ubuntu:x/evil"), false},
		{"image without tag", beta.AllowsImage("ubuntu"), false},
		{"no spellings", beta.AllowsImage(), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}
