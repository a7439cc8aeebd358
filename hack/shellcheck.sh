#!/usr/bin/env bash
# Runs ShellCheck on every shell script of the repository: files ending in .sh and files whose
# first line names a shell (.ci/run). Settings are in .shellcheckrc at the root.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { echo "shellcheck is not installed: hack/packages.sh test installs it" >&2; exit 1; }

scripts=()
while IFS= read -r f; do
  [ -f "$f" ] || continue
  case "$f" in
    *.sh) scripts+=("$f") ;;
    *) head -n1 "$f" | grep -Eq '^#!.*\b(ba|da|k)?sh\b' && scripts+=("$f") ;;
  esac
done < <(git ls-files --cached --others --exclude-standard)
[ "${#scripts[@]}" -gt 0 ] || { echo "no shell scripts found" >&2; exit 1; }
shellcheck "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
