package resources

import (
	"bytes"
	"slices"
	"testing"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
)

// FuzzDecodeAndValidate feeds arbitrary bodies through the create path: decode, default
// and validate must never panic, and any spec that validates must build every object
// without panicking and with the invariants the rest of the system relies on.
func FuzzDecodeAndValidate(f *testing.F) {
	for _, seed := range []string{
		`{"team":"alpha","name":"web","sshPublicKeys":["` + testKey + `"]}`,
		`{"team":"alpha","name":"gpu","pool":"gpu-a100","priority":"high","cpu":"8","memory":"32Gi","lifetime":"72h",` +
			`"packages":["git","vim=2:9.1"],"persistentHome":"10Gi","env":{"EDITOR":"vim"},"idleStop":false,` +
			`"sshPublicKeys":["` + testKey + `"]}`,
		`{"team":"beta","name":"x","image":"debian:12","packages":["x; rm -rf /"],"sshPublicKeys":["ssh-rsa AAAA"]}`,
		`{"team":"alpha","name":"web","cpu":"1e3","memory":"0.5Gi","lifetime":"10m","sshPublicKeys":["` + testKey + `"]}`,
		`{"Team":1}`,
		`[]`,
		`{"env":{"A":1}}`,
	} {
		f.Add([]byte(seed))
	}
	cfg := config.Default()
	f.Fuzz(func(t *testing.T, body []byte) {
		spec, err := env.DecodeSpec(bytes.NewReader(body))
		if err != nil {
			return
		}
		spec.SetDefaults(cfg)
		if validation.ValidateSpec(spec, cfg) != nil {
			return
		}
		team, ok := cfg.Team(spec.Team)
		if !ok {
			t.Fatalf("valid spec with unknown team %q", spec.Team)
		}
		d := MakeDeployment(spec, team, cfg, "fuzz@example.com", testNow)
		c := d.Spec.Template.Spec.Containers[0]
		if !slices.Equal(c.Command, []string{"/bin/sh", StartScriptPath}) || !slices.Equal(c.Args, spec.Packages) {
			t.Fatalf("packages leaked out of args: command %q args %q", c.Command, c.Args)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			t.Fatalf("valid spec built without requests: %v", c.Resources.Requests)
		}
		OwnedBy(MakeSecret(spec, team, "fuzz"), d)
		OwnedBy(MakeService(spec, team, cfg, "fuzz"), d)
		if pvc := MakePVC(spec, team, cfg, "fuzz"); (pvc == nil) != (spec.PersistentHome == "") {
			t.Fatalf("MakePVC() = %v for persistentHome %q", pvc, spec.PersistentHome)
		}
		_ = env.FromDeployment(d, nil, cfg, testNow)
	})
}
