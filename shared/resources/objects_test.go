package resources

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

func TestMakeSecret(t *testing.T) {
	cfg := config.Default()
	tests := []struct {
		name    string
		keys    []string
		vars    map[string]string
		want    string
		wantEnv string
	}{
		{"one key", []string{testKey}, nil, testKey + "\n", ""},
		{"keys one per line", []string{testKey, testKey + "2"}, nil, testKey + "\n" + testKey + "2\n", ""},
		{"variables as sorted lines", []string{testKey}, map[string]string{"ZED": "last one", "EDITOR": "vim"},
			testKey + "\n", "EDITOR=vim\nZED=last one\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, team := testSpec(t, cfg, func(s *env.Spec) { s.SSHPublicKeys, s.Env = tc.keys, tc.vars })
			want := &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "web-ssh", Namespace: "devenvs-alpha", Labels: wantLabels("cpu-small")},
				Type:       corev1.SecretTypeOpaque,
				Data: map[string][]byte{"authorized_keys": []byte(tc.want), "start.sh": []byte(StartScript),
					"environment": []byte(tc.wantEnv)},
			}
			if diff := cmp.Diff(want, MakeSecret(spec, team, "alice@example.com")); diff != "" {
				t.Errorf("MakeSecret() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMakeService(t *testing.T) {
	base := func() *corev1.Service {
		return &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "devenvs-alpha", Labels: wantLabels("cpu-small")},
			Spec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeClusterIP,
				Selector: map[string]string{"devenvs.dev/team": "alpha", "devenvs.dev/env": "web"},
				Ports:    []corev1.ServicePort{{Name: "ssh", Protocol: corev1.ProtocolTCP, Port: 22, TargetPort: intstr.FromString("ssh")}},
			},
		}
	}
	tests := []struct {
		name string
		cfg  func(*config.Config)
		want func(*corev1.Service)
	}{{
		name: "cluster IP without base domain has no hostname",
		want: func(*corev1.Service) {},
	}, {
		name: "base domain adds the external-dns hostname",
		cfg: func(c *config.Config) {
			c.BaseDomain = "dev.example.com"
			c.SSH.ServiceType = corev1.ServiceTypeLoadBalancer
			c.SSH.Port = 2222
		},
		want: func(s *corev1.Service) {
			s.Annotations = map[string]string{"external-dns.alpha.kubernetes.io/hostname": "web.alpha.dev.example.com"}
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Spec.Ports[0].Port = 2222
		},
	}, {
		name: "node port",
		cfg:  func(c *config.Config) { c.SSH.ServiceType = corev1.ServiceTypeNodePort },
		want: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort },
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			spec, team := testSpec(t, cfg, nil)
			want := base()
			tc.want(want)
			if diff := cmp.Diff(want, MakeService(spec, team, cfg, "alice@example.com")); diff != "" {
				t.Errorf("MakeService() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMakePVC(t *testing.T) {
	tests := []struct {
		name string
		home string
		want *corev1.PersistentVolumeClaim
	}{{
		name: "no persistent home",
		want: nil,
	}, {
		name: "persistent home",
		home: "10Gi",
		want: &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "web-home", Namespace: "devenvs-alpha", Labels: wantLabels("cpu-small")},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
				},
				StorageClassName: new("devenvs-local"),
			},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, team := testSpec(t, config.Default(), func(s *env.Spec) { s.PersistentHome = tc.home })
			if diff := cmp.Diff(tc.want, MakePVC(spec, team, config.Default(), "alice@example.com")); diff != "" {
				t.Errorf("MakePVC() (-want +got):\n%s", diff)
			}
		})
	}
}
