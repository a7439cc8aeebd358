package config

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHGateway is the one SSH entry point (cmd/sshgateway) through which users reach every
// environment by name. When Host is empty there is no gateway and the access commands fall
// back to kubectl port-forward.
type SSHGateway struct {
	// Host and Port are the address users connect to (the LoadBalancer's DNS name).
	Host string `json:"host,omitempty"`
	Port int32  `json:"port,omitempty"`
	// HostPublicKey is the gateway's host key, public part: an authorized_keys line
	// ("ecdsa-sha2-nistp256 AAAA...") or a PEM certificate carrying the key (what the Helm
	// chart can produce). The UI shows it as a known_hosts line.
	HostPublicKey string `json:"hostPublicKey,omitempty"`
}

// Enabled reports whether a gateway is configured.
func (g SSHGateway) Enabled() bool { return g.Host != "" }

// Address is host:port for ProxyJump ("ssh.example.com", or "127.0.0.1:2222" off port 22).
func (g SSHGateway) Address() string {
	if g.Port == 0 || g.Port == 22 {
		return g.Host
	}
	return net.JoinHostPort(g.Host, strconv.Itoa(int(g.Port)))
}

// KnownHosts is the known_hosts line for the gateway, or "" when no key is configured.
func (g SSHGateway) KnownHosts() (string, error) {
	if g.HostPublicKey == "" {
		return "", nil
	}
	key, err := ParseHostPublicKey(g.HostPublicKey)
	if err != nil {
		return "", err
	}
	host := g.Host
	if g.Port != 0 && g.Port != 22 {
		host = "[" + g.Host + "]:" + strconv.Itoa(int(g.Port))
	}
	return host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))), nil
}

// ParseHostPublicKey reads an authorized_keys line or a PEM certificate's public key.
func ParseHostPublicKey(s string) (ssh.PublicKey, error) {
	if block, _ := pem.Decode([]byte(s)); block != nil {
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate: %w", err)
		}
		key, err := ssh.NewPublicKey(cert.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("certificate's key: %w", err)
		}
		return key, nil
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("authorized key: %w", err)
	}
	return key, nil
}

// DefaultSSHInputWindow is how recent SSH input must be to keep an environment from an idle
// stop when the team does not say.
const DefaultSSHInputWindow = 30 * time.Minute

// SSHInputKeeps is how recent SSH input through the gateway must be for the idle stop to
// leave an environment alone; zero means SSH input never does.
func (t *Team) SSHInputKeeps() time.Duration {
	if t.SSHInputWindow == nil {
		return DefaultSSHInputWindow
	}
	return time.Duration(*t.SSHInputWindow)
}
