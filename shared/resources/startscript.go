package resources

// StartScript is the container's entrypoint, mounted from the environment's Secret and run
// as `/bin/sh StartScriptPath <package>...`. It is fixed POSIX sh text: everything user-supplied reaches it as
// positional parameters ("$@", the packages) or as environment variables, and is only
// ever expanded inside double quotes, so no request can change what the shell parses.
//
// Steps: install openssh-server and the packages with whichever package manager the
// image has; create the login user; unlock it (useradd and busybox adduser leave a "!"
// password, and sshd without PAM refuses pubkey logins to such "locked" accounts); copy
// the mounted authorized_keys into ~/.ssh with the modes StrictModes requires (an
// emptyDir home is world-writable); hand the user's env variables to SSH sessions through
// ~/.ssh/environment; generate host keys; run sshd in the foreground with a config of its
// own, so distribution defaults (UsePAM, Include files) cannot change the behaviour; it
// uses only options OpenSSH 7.x already knew, for older base images.
const StartScript = `set -eu

user="${DEVENVS_SSH_USER:-dev}"
port="${DEVENVS_SSH_PORT:-22}"
home="/home/$user"

if command -v apt-get >/dev/null 2>&1; then
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server "$@"
elif command -v apk >/dev/null 2>&1; then
	apk add --no-cache openssh-server openssh-sftp-server "$@"
elif command -v dnf >/dev/null 2>&1; then
	dnf install -y openssh-server shadow-utils "$@"
elif command -v microdnf >/dev/null 2>&1; then
	microdnf install -y openssh-server shadow-utils "$@"
else
	echo "devenvs-start: no supported package manager (apt-get, apk, dnf, microdnf) in this image" >&2
	exit 1
fi

if ! id "$user" >/dev/null 2>&1; then
	shell=/bin/sh
	if [ -x /bin/bash ]; then
		shell=/bin/bash
	fi
	if command -v useradd >/dev/null 2>&1; then
		useradd -M -d "$home" -s "$shell" "$user"
	else
		adduser -D -H -h "$home" -s "$shell" "$user"
	fi
fi
if ! echo "$user:*" | chpasswd -e 2>/dev/null; then
	sed -i "s/^$user:![^:]*:/$user:*:/" /etc/shadow
fi

group="$(id -gn "$user")"
mkdir -p "$home/.ssh"
chown "$user:$group" "$home"
chmod 0755 "$home"
cp ` + AuthorizedKeysPath + ` "$home/.ssh/authorized_keys"
: > "$home/.ssh/environment"
for key in ${DEVENVS_ENV_KEYS:-}; do
	printf '%s=%s\n' "$key" "$(printenv "$key" || true)" >> "$home/.ssh/environment"
done
chown -R "$user:$group" "$home/.ssh"
chmod 0700 "$home/.ssh"
chmod 0600 "$home/.ssh/authorized_keys" "$home/.ssh/environment"

ssh-keygen -A
mkdir -p /run/sshd /var/empty
config=/etc/ssh/sshd_config.devenvs
cat > "$config" <<SSHD_CONFIG
Port $port
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
AuthenticationMethods publickey
PermitRootLogin no
AllowUsers $user
PermitUserEnvironment yes
X11Forwarding no
Subsystem sftp internal-sftp
SSHD_CONFIG
exec /usr/sbin/sshd -D -e -f "$config"
`
