package resources

// StartScript is the container's entrypoint, mounted from the environment's Secret and run
// as `/bin/sh StartScriptPath <package>...`. It is fixed POSIX sh text: everything
// user-supplied reaches it as positional parameters ("$@", the packages) or as files of the
// Secret, and is only ever expanded inside double quotes, so no request can change what the
// shell parses. The user's variables are not in the container's environment at all: they
// reach only the user's SSH sessions (~/.ssh/environment), never this root script.
//
// It announces each step on stdout ("devenvs-step: <name>") and leaves "<Reason>: <what to
// do>" in the termination log on failure; listenvs shows both (ARCHITECTURE.md, "Starts are
// observable"; the package cache: docs/real-node.md).
const StartScript = `set -eu

user="${DEVENVS_SSH_USER:-dev}"
port="${DEVENVS_SSH_PORT:-22}"
home="/home/$user"
state=` + SystemMountPath + `
log=/tmp/devenvs-install.log

step() { echo "devenvs-step: $1"; }
fail() {
	if [ -f "$log" ]; then cat "$log" >&2; fi
	printf '%s\n' "$1" > /dev/termination-log 2>/dev/null || true
	printf 'devenvs-start: %s\n' "$1" >&2
	exit 1
}
# last_error is the package manager's own last error line, for the termination message.
last_error() { grep -E '^(E:|Err:|ERROR:|Error:|No match for argument)' "$log" | tail -n 1 || true; }

install_packages() {
	if command -v apt-get >/dev/null 2>&1; then
		# apt-get update exits 0 when a source cannot be fetched; its "Err:" lines say so.
		if ! apt-get update > "$log" 2>&1 || grep -q '^Err:' "$log"; then
			fail "PackageIndexFailed: the image's package index could not be updated ($(last_error)); check the image's package sources"
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
			openssh-server "$@" >> "$log" 2>&1 ||
			fail "PackageInstallFailed: the packages could not be installed ($(last_error)); check their names with the image's package manager"
		rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
	elif command -v apk >/dev/null 2>&1; then
		apk add --no-cache openssh-server openssh-sftp-server setpriv "$@" > "$log" 2>&1 ||
			fail "PackageInstallFailed: the packages could not be installed ($(last_error)); check their names with apk"
	elif command -v dnf >/dev/null 2>&1; then
		dnf install -y openssh-server shadow-utils util-linux "$@" > "$log" 2>&1 ||
			fail "PackageInstallFailed: the packages could not be installed ($(last_error)); check their names with dnf"
	elif command -v microdnf >/dev/null 2>&1; then
		microdnf install -y openssh-server shadow-utils util-linux "$@" > "$log" 2>&1 ||
			fail "PackageInstallFailed: the packages could not be installed ($(last_error)); check their names with microdnf"
	else
		fail "NoPackageManager: the image has none of apt-get, apk, dnf, microdnf; choose another image"
	fi
}

# The package layer: what installing changed in the root filesystem, saved on the home
# volume under a key of the packages and the image's package database, and restored on
# the next start instead of downloading and unpacking again. It needs GNU find and tar.
layers="$state/layers"
key=""
if tar --version 2>/dev/null | grep -q GNU && [ -d "$state" ]; then
	key="$( (echo "$*"; cat /var/lib/dpkg/status /lib/apk/db/installed 2>/dev/null) | sha256sum | cut -c1-32)"
fi
if [ -n "$key" ] && [ -f "$layers/$key.tar" ] && tar -xpf "$layers/$key.tar" -C / 2>/dev/null; then
	step restoring-packages
else
	step installing-packages
	marker=/tmp/devenvs-before-install
	: > "$marker"
	sleep 1 # ctime has one-second granularity on some filesystems
	install_packages "$@"
	cat "$log"
	if [ -n "$key" ]; then
		mkdir -p "$layers"
		chmod 0700 "$state" "$layers"
		find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/log \
			-o -path /etc/hosts -o -path /etc/hostname -o -path /etc/resolv.conf \) -prune -o -cnewer "$marker" -print0 |
			tar --null --no-recursion -T - -cf "$layers/$key.tmp" 2>/dev/null &&
			rm -f "$layers"/*.tar && mv "$layers/$key.tmp" "$layers/$key.tar" || rm -f "$layers/$key.tmp"
	fi
fi

step starting-ssh
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
# useradd and busybox adduser leave a "!" password, and sshd without PAM refuses pubkey
# logins to such "locked" accounts.
if ! echo "$user:*" | chpasswd -e 2>/dev/null; then
	sed -i "s/^$user:![^:]*:/$user:*:/" /etc/shadow
fi

group="$(id -gn "$user")"
# The home is the volume's mount point (never a link): root only sets its owner and mode.
chown "$user:$group" "$home"
chmod 0755 "$home"
setpriv --reuid="$user" --regid="$group" --clear-groups -- /bin/sh -c '
	umask 077
	mkdir -p "$1/.ssh"
	cat ` + EnvironmentPath + ` > "$1/.ssh/environment"' sh "$home" ||
	fail "HomeNotWritable: could not write $home/.ssh as $user; check what is at that path in the home"

# Host keys live on the volume so the host's identity survives restarts.
mkdir -p /run/sshd /var/empty /etc/ssh
if [ -d "$state" ]; then
	mkdir -p "$state/ssh"
	chmod 0700 "$state" "$state/ssh"
	cp -p "$state/ssh/"ssh_host_* /etc/ssh/ 2>/dev/null || true
fi
ssh-keygen -A >/dev/null
if [ -d "$state" ]; then
	cp -p /etc/ssh/ssh_host_* "$state/ssh/"
fi
cp ` + AuthorizedKeysPath + ` /etc/ssh/devenvs_authorized_keys
chmod 0644 /etc/ssh/devenvs_authorized_keys
config=/etc/ssh/sshd_config.devenvs
cat > "$config" <<SSHD_CONFIG
Port $port
PubkeyAuthentication yes
AuthorizedKeysFile /etc/ssh/devenvs_authorized_keys .ssh/authorized_keys
PasswordAuthentication no
ChallengeResponseAuthentication no
AuthenticationMethods publickey
PermitRootLogin no
AllowUsers $user
PermitUserEnvironment yes
X11Forwarding no
Subsystem sftp internal-sftp
SSHD_CONFIG
step ready
exec /usr/sbin/sshd -D -e -f "$config"
`
