package app

import (
	"strconv"

	"github.com/devenvs/devenvs/shared/config"
)

// Settings that name the SSH gateway when the configuration file does not: `make dev` runs
// the gateway on a loopback port and tells every function with these, so the embedded
// default configuration stays gateway-free.
const (
	EnvSSHGatewayHost      = "DEVENVS_SSH_GATEWAY_HOST"
	EnvSSHGatewayPort      = "DEVENVS_SSH_GATEWAY_PORT"
	EnvSSHGatewayPublicKey = "DEVENVS_SSH_GATEWAY_PUBLIC_KEY"
)

// gatewayFromEnv fills cfg.SSH.Gateway from the settings when the file configured none.
func gatewayFromEnv(cfg *config.Config, env map[string]string) {
	if cfg.SSH.Gateway.Enabled() || env[EnvSSHGatewayHost] == "" {
		return
	}
	g := config.SSHGateway{Host: env[EnvSSHGatewayHost], HostPublicKey: env[EnvSSHGatewayPublicKey]}
	if p, err := strconv.ParseInt(env[EnvSSHGatewayPort], 10, 32); err == nil {
		g.Port = int32(p)
	}
	cfg.SSH.Gateway = g
}
