package resources

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// MakeSecret builds the Secret the environment's pod mounts: its start script, its
// authorized_keys file with the keys one per line and a final newline, as tools that append
// to the file expect, and the user's variables as sorted NAME=value lines (validation keeps
// each value on one line).
func MakeSecret(spec *env.Spec, team *config.Team, owner string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      SecretName(spec.Name),
			Namespace: team.Namespace,
			Labels:    labels(spec, owner),
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			StartScriptKey:    []byte(StartScript),
			AuthorizedKeysKey: []byte(strings.Join(spec.SSHPublicKeys, "\n") + "\n"),
			EnvironmentKey:    environmentFile(spec.Env),
		},
	}
}

func environmentFile(vars map[string]string) []byte {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		b.WriteString(k + "=" + vars[k] + "\n")
	}
	return []byte(b.String())
}
