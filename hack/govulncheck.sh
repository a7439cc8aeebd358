#!/usr/bin/env bash
# `make lint`'s vulnerability check: govulncheck (pinned) over every package of the module,
# reporting only vulnerabilities in code the functions can actually reach.
#
# It needs the Go vulnerability database (vuln.go.dev, or GOVULNDB). Where that cannot be
# reached (a machine that sees only the Go module proxy), it says so plainly and does not
# fail the lint: a skipped check is reported as skipped, never as passed.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE_ROOT=${DEVENVS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devenvs}
VERSION=v1.1.4
BIN="$CACHE_ROOT/govulncheck-$VERSION/govulncheck"

if [ ! -x "$BIN" ]; then
  echo "govulncheck: building golang.org/x/vuln/cmd/govulncheck@$VERSION" >&2
  GOBIN="$(dirname "$BIN")" go install "golang.org/x/vuln/cmd/govulncheck@$VERSION"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"$BIN" ./... >"$out" 2>&1
rc=$?
set -e
case $rc in
  0) echo "govulncheck: no known vulnerability reachable from this module" ;;
  3) cat "$out"; echo "govulncheck: vulnerable code is reachable (above)" >&2; exit 1 ;;
  *)
    if grep -qiE 'vuln\.go\.dev|GOVULNDB|dial tcp|no such host|i/o timeout|connection refused|TLS handshake|x509|403 Forbidden|fetching vulnerabilities' "$out"; then
      echo "govulncheck: SKIPPED, the vulnerability database could not be reached:" >&2
      sed -n '1,5p' "$out" >&2
      echo "govulncheck: (set GOVULNDB to a reachable mirror, e.g. a file:// copy, to run it here)" >&2
    else
      cat "$out" >&2
      echo "govulncheck: failed (exit $rc)" >&2
      exit 1
    fi
    ;;
esac
