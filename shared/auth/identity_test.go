package auth

import "testing"

func TestInTeam(t *testing.T) {
	tests := []struct {
		name string
		id   Identity
		team string
		want bool
	}{
		{name: "member", id: Identity{User: "alice", Teams: []string{"alpha", "beta"}}, team: "beta", want: true},
		{name: "not a member", id: Identity{User: "alice", Teams: []string{"alpha"}}, team: "beta", want: false},
		{name: "no teams", id: Identity{User: "alice"}, team: "alpha", want: false},
		{name: "empty team never matches", id: Identity{User: "alice", Teams: []string{""}}, team: "", want: false},
		{name: "case matters", id: Identity{User: "alice", Teams: []string{"alpha"}}, team: "Alpha", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.InTeam(tt.team); got != tt.want {
				t.Errorf("InTeam(%q) = %v, want %v", tt.team, got, tt.want)
			}
		})
	}
}
