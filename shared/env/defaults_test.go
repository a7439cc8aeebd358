package env

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devenvs/devenvs/shared/config"
)

// testKey is a public key as a user pastes it; defaulting only trims it (validation checks it).
const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKC+umrKFyw4R09J8gWS0CR/SdQ7SdEhD9f2T2ZPY5bZ test@devenvs"

func TestSpecSetDefaults(t *testing.T) {
	cfg := config.Default()
	tests := []struct {
		name string
		cfg  *config.Config
		in   Spec
		want Spec
	}{{
		name: "empty request gets every default",
		cfg:  cfg,
		in:   Spec{Team: " Alpha ", Name: "Web\n"},
		want: Spec{Team: "alpha", Name: "web", Image: "ubuntu:24.04", CPU: "1", Memory: "2Gi",
			Pool: "cpu-small", Priority: "normal", Lifetime: "8h", Home: "scratch", IdleStop: new(true)},
	}, {
		name: "given values are kept, trimmed",
		cfg:  cfg,
		in: Spec{Team: "beta", Name: "x", Image: " debian:12 ", CPU: " 500m", Memory: "1Gi ", Pool: "cpu-large",
			Priority: "low", Lifetime: "90m", PersistentHome: " 10Gi ", IdleStop: new(false),
			Packages: []string{" git ", "", "  ", "vim"}, SSHPublicKeys: []string{testKey + "\n", ""}},
		want: Spec{Team: "beta", Name: "x", Image: "debian:12", CPU: "500m", Memory: "1Gi", Pool: "cpu-large",
			Priority: "low", Lifetime: "90m", Home: "persistent", PersistentHome: "10Gi", IdleStop: new(false),
			Packages: []string{"git", "vim"}, SSHPublicKeys: []string{testKey}},
	}, {
		name: "the real pool keeps homes by default, sized from the configuration",
		cfg:  cfg,
		in:   Spec{Team: "alpha", Name: "web", Pool: "real"},
		want: Spec{Team: "alpha", Name: "web", Image: "ubuntu:24.04", CPU: "1", Memory: "2Gi",
			Pool: "real", Priority: "normal", Lifetime: "8h", Home: "persistent", PersistentHome: "10Gi", IdleStop: new(true)},
	}, {
		name: "a scratch home asked for stays scratch",
		cfg:  cfg,
		in:   Spec{Team: "alpha", Name: "web", Pool: "real", Home: " Scratch "},
		want: Spec{Team: "alpha", Name: "web", Image: "ubuntu:24.04", CPU: "1", Memory: "2Gi",
			Pool: "real", Priority: "normal", Lifetime: "8h", Home: "scratch", IdleStop: new(true)},
	}, {
		name: "a team whose homes are scratch",
		cfg: func() *config.Config {
			c := config.Default()
			c.Teams[0].Home = config.HomeScratch
			return c
		}(),
		in: Spec{Team: "alpha", Name: "web", Pool: "real"},
		want: Spec{Team: "alpha", Name: "web", Image: "ubuntu:24.04", CPU: "1", Memory: "2Gi",
			Pool: "real", Priority: "normal", Lifetime: "8h", Home: "scratch", IdleStop: new(true)},
	}, {
		name: "nil config only normalizes",
		in:   Spec{Team: "A", Name: " B"},
		want: Spec{Team: "a", Name: "b", IdleStop: new(true)},
	}, {
		name: "name case is not otherwise changed",
		cfg:  cfg,
		in:   Spec{Team: "alpha", Name: "web", Pool: "CPU-Small"},
		want: Spec{Team: "alpha", Name: "web", Image: "ubuntu:24.04", CPU: "1", Memory: "2Gi",
			Pool: "CPU-Small", Priority: "normal", Lifetime: "8h", Home: "persistent", PersistentHome: "10Gi", IdleStop: new(true)},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in
			got.SetDefaults(tc.cfg)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SetDefaults() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateSetDefaults(t *testing.T) {
	u := Update{Action: " Extend ", Lifetime: " 2h ", CPU: " 2", Memory: "4Gi "}
	u.SetDefaults()
	want := Update{Action: "extend", Lifetime: "2h", CPU: "2", Memory: "4Gi"}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("SetDefaults() (-want +got):\n%s", diff)
	}
}
