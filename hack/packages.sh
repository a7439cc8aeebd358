#!/usr/bin/env bash
# Installs the Debian packages the local product and its tests use, when missing, so the
# README's two commands need nothing done by hand. The real node's own packages are
# installed by hack/realnode.sh.
#
#   hack/packages.sh dev    # what `make dev` needs
#   hack/packages.sh test   # what `make test` needs (adds promtool, Alertmanager, Chromium, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh

case "${1:-test}" in
  dev) want=(redis-server openssh-client) ;;
  test) want=(redis-server openssh-client prometheus prometheus-alertmanager chromium shellcheck nodejs rsync) ;;
  *) die "usage: $0 dev|test" ;;
esac
need=()
for pkg in "${want[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
[ ${#need[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || die "missing Debian packages: ${need[*]}; run: sudo apt-get install -y ${need[*]}"
log "installing ${need[*]} (Debian packages, about 20 s)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
