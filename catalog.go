package function

import (
	"cmp"
	"fmt"

	"github.com/devenvs/devenvs/shared/config"
)

// configDocument is /config.json.
type configDocument struct {
	Functions map[string]string `json:"functions"`
	Catalog   catalog           `json:"catalog"`
	// SSHGateway is where users connect and the known_hosts line that proves it is the
	// gateway (so nobody learns to ignore a host-key warning); absent without a gateway.
	SSHGateway *sshGateway `json:"sshGateway,omitempty"`
	// SignIn is the sign-in page's help text and link, when configured.
	SignIn *config.SignIn `json:"signIn,omitempty"`
	// OIDC offers "Sign in with <provider>" when the functions verify OIDC ID tokens.
	OIDC *oidcSignIn `json:"oidc,omitempty"`
}

type sshGateway struct {
	Address    string `json:"address"`
	KnownHosts string `json:"knownHosts,omitempty"`
}

// sshGatewayOf is the configured gateway as /config.json shows it.
func sshGatewayOf(cfg *config.Config) (*sshGateway, error) {
	g := cfg.SSH.Gateway
	if !g.Enabled() {
		return nil, nil
	}
	line, err := g.KnownHosts()
	if err != nil {
		return nil, fmt.Errorf("ssh.gateway.hostPublicKey: %w", err)
	}
	return &sshGateway{Address: g.Address(), KnownHosts: line}, nil
}

// catalog is the part of the configuration the create form offers. It holds nothing secret:
// teams' names, allowed pools, priorities and images, and limits.
type catalog struct {
	Defaults   config.Defaults   `json:"defaults"`
	Pools      []catalogPool     `json:"pools"`
	Priorities []catalogPriority `json:"priorities"`
	Teams      []catalogTeam     `json:"teams"`
}

type catalogPool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	GPU         bool   `json:"gpu"`
	// ScratchHomes: homes on this pool are scratch unless the request asks otherwise.
	ScratchHomes bool `json:"scratchHomes"`
}

type catalogPriority struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type catalogTeam struct {
	Name        string          `json:"name"`
	Pools       []string        `json:"pools"`
	Priorities  []string        `json:"priorities"`
	Images      []string        `json:"images"`
	MaxCPU      string          `json:"maxCPU"`
	MaxMemory   string          `json:"maxMemory"`
	MaxLifetime config.Duration `json:"maxLifetime"`
	// Home is the team's default home, persistent or scratch.
	Home config.HomeKind `json:"home"`
}

func catalogOf(cfg *config.Config) catalog {
	c := catalog{Defaults: cfg.Defaults, Pools: []catalogPool{}, Priorities: []catalogPriority{}, Teams: []catalogTeam{}}
	for _, p := range cfg.Pools {
		c.Pools = append(c.Pools, catalogPool{Name: p.Name, Description: p.Description, GPU: p.GPU, ScratchHomes: p.ScratchHomes})
	}
	for _, p := range cfg.Priorities {
		c.Priorities = append(c.Priorities, catalogPriority{Name: p.Name, Description: p.Description})
	}
	for _, t := range cfg.Teams {
		c.Teams = append(c.Teams, catalogTeam{
			Name: t.Name, Pools: t.Pools, Priorities: t.Priorities, Images: t.Images,
			MaxCPU: t.MaxCPU.String(), MaxMemory: t.MaxMemory.String(), MaxLifetime: t.MaxLifetime,
			Home: cmp.Or(t.Home, config.HomePersistent),
		})
	}
	return c
}
