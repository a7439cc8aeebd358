// Package resources holds pure builders: a validated env.Spec and the configuration in,
// Kubernetes objects out. Nothing here talks to a cluster, so every builder is tested as
// a table and callers decide how to create, update or own the objects.
package resources

import (
	"github.com/devenvs/devenvs/shared/env"
)

// Fixed names and paths inside an environment.
const (
	// ContainerName is the environment's only container.
	ContainerName = "workspace"
	// SSHPortName names the container and Service port so the Service can target it
	// by name.
	SSHPortName = "ssh"
	// SSHContainerPort is where sshd listens inside the pod; the Service port comes from
	// the configuration.
	SSHContainerPort = 22
	// SecretMountPath is where the environment's Secret is mounted read-only: the start
	// script at StartScriptPath, and the authorized keys at AuthorizedKeysPath, which the
	// script copies into the user's ~/.ssh with the modes sshd insists on.
	SecretMountPath    = "/etc/devenvs"
	StartScriptPath    = SecretMountPath + "/" + StartScriptKey
	AuthorizedKeysPath = SecretMountPath + "/ssh/" + AuthorizedKeysKey
	// AuthorizedKeysKey is the Secret key holding the authorized_keys file.
	AuthorizedKeysKey = "authorized_keys"
	// StartScriptKey is the Secret key holding StartScript.
	StartScriptKey = "start.sh"
	// EnvironmentKey is the Secret key holding the user's variables as NAME=value lines,
	// mounted at EnvironmentPath and copied into ~/.ssh/environment for SSH sessions only.
	EnvironmentKey  = "environment"
	EnvironmentPath = SecretMountPath + "/" + EnvironmentKey
	// SystemMountPath is the root-only part of the home volume (its "system" sub-path): the
	// package layer and SSH host keys that make a restart fast and keep the host's identity.
	SystemMountPath = "/var/lib/devenvs"
	// QuotaName names the ResourceQuota of every team namespace.
	QuotaName = "devenvs"

	secretVolume = "devenvs"
	homeVolume   = "home"
	// The home volume's sub-paths: the user's home, and the root-only system part.
	homeSubPath   = "home"
	systemSubPath = "system"
)

// Env variables the platform sets in the container; users cannot set DEVENVS_* themselves.
const (
	NameVar    = "DEVENVS_ENV"
	TeamVar    = "DEVENVS_TEAM"
	SSHPortVar = "DEVENVS_SSH_PORT"
	SSHUserVar = "DEVENVS_SSH_USER"
)

// SecretName is the name of an environment's authorized-keys Secret.
func SecretName(envName string) string { return envName + "-ssh" }

// PVCName is the name of an environment's persistent home volume claim.
func PVCName(envName string) string { return envName + "-home" }

// labels is every object's label set for a spec.
func labels(spec *env.Spec, owner string) map[string]string {
	return env.Labels(spec.Team, spec.Name, owner, spec.Pool)
}
