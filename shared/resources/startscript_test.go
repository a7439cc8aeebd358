package resources

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
)

// TestStartScriptSyntax parses the script with every POSIX shell on the machine, since
// images differ in what /bin/sh is (dash, busybox ash, bash).
func TestStartScriptSyntax(t *testing.T) {
	ran := 0
	for _, sh := range []string{"sh", "dash", "bash", "busybox"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		args := []string{"-n", "-c", StartScript}
		if sh == "bash" {
			args = append([]string{"--posix"}, args...)
		}
		if sh == "busybox" {
			args = append([]string{"sh"}, args...)
		}
		if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
		ran++
	}
	if ran == 0 {
		t.Fatal("no POSIX shell found to check StartScript")
	}
}

func TestStartScriptContract(t *testing.T) {
	for _, want := range []string{
		"set -eu",
		`openssh-server "$@"`,
		"openssh-server openssh-sftp-server setpriv \"$@\"",
		"Subsystem sftp internal-sftp",
		"PasswordAuthentication no",
		"PermitRootLogin no",
		"ssh-keygen -A >/dev/null",
		`exec /usr/sbin/sshd -D -e -f "$config"`,
		AuthorizedKeysPath,
		"${" + SSHUserVar,
		"${" + SSHPortVar,
		EnvironmentPath,
		SystemMountPath,
		"devenvs-step: $1",
		"/dev/termination-log",
		"setpriv --reuid",
	} {
		if !strings.Contains(StartScript, want) {
			t.Errorf("StartScript does not contain %q", want)
		}
	}
}

// TestHostilePackageNeverReachesShellText: validation rejects the name, and even a spec
// that skipped validation only ever puts packages in args, never in the shell source.
func TestHostilePackageNeverReachesShellText(t *testing.T) {
	const hostile = "x; rm -rf /"
	cfg := config.Default()
	spec := &env.Spec{Team: "alpha", Name: "web", SSHPublicKeys: []string{testKey}, Packages: []string{"git", hostile}}
	spec.SetDefaults(cfg)

	var paths []string
	for _, fe := range validation.ValidateSpec(spec, cfg).WrappedErrors() {
		paths = append(paths, fe.Paths...)
	}
	if !slices.Equal(paths, []string{"packages[1]"}) {
		t.Errorf("Validate() error paths = %q, want exactly packages[1]", paths)
	}

	team, _ := cfg.Team("alpha")
	c := MakeDeployment(spec, team, cfg, "alice", testNow).Spec.Template.Spec.Containers[0]
	want := []string{"/bin/sh", StartScriptPath}
	if !slices.Equal(c.Command, want) {
		t.Errorf("Command = %q, want the fixed script", c.Command)
	}
	secret := MakeSecret(spec, team, "alice")
	if got := string(secret.Data[StartScriptKey]); got != StartScript {
		t.Errorf("Secret[%s] is not the fixed script", StartScriptKey)
	}
	for _, part := range c.Command {
		if strings.Contains(part, "rm -rf") {
			t.Errorf("Command contains the hostile package: %q", part)
		}
	}
	if !slices.Equal(c.Args, spec.Packages) {
		t.Errorf("Args = %q, want the packages as separate arguments %q", c.Args, spec.Packages)
	}
}
