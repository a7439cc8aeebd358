package auth

import "slices"

// Identity is an authenticated caller.
type Identity struct {
	User  string
	Teams []string
}

// InTeam reports whether the caller may act in team. An empty team never matches, so a
// request that forgot to name its team is refused rather than allowed.
func (id Identity) InTeam(team string) bool {
	return team != "" && slices.Contains(id.Teams, team)
}
