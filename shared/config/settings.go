package config

import (
	"fmt"
	"strconv"
)

// Settings a function reads from its environment variables (func-go hands Start them as a
// map) to find its configuration.
const (
	// PathVar is the path of the configuration file; empty uses the embedded default.
	PathVar = "DEVENVS_CONFIG"
	// The SSH gateway, when the file names none: `make dev` runs the gateway on a loopback
	// port and tells every function with these, so the embedded default stays gateway-free.
	SSHGatewayHostVar      = "DEVENVS_SSH_GATEWAY_HOST"
	SSHGatewayPortVar      = "DEVENVS_SSH_GATEWAY_PORT"
	SSHGatewayPublicKeyVar = "DEVENVS_SSH_GATEWAY_PUBLIC_KEY"
)

// FromSettings loads the configuration the settings name (PathVar, else the default) and
// fills its SSH gateway from the SSHGateway*Var settings when the file configured none.
func FromSettings(settings map[string]string) (*Config, error) {
	cfg := Default()
	if path := settings[PathVar]; path != "" {
		var err error
		if cfg, err = Load(path); err != nil {
			return nil, fmt.Errorf("%s: %w", PathVar, err)
		}
	}
	if cfg.SSH.Gateway.Enabled() || settings[SSHGatewayHostVar] == "" {
		return cfg, nil
	}
	g := SSHGateway{Host: settings[SSHGatewayHostVar], HostPublicKey: settings[SSHGatewayPublicKeyVar]}
	if p, err := strconv.ParseInt(settings[SSHGatewayPortVar], 10, 32); err == nil {
		g.Port = int32(p)
	}
	cfg.SSH.Gateway = g
	return cfg, nil
}
