#!/usr/bin/env bash
# Renders config/ from the chart: `helm template` with hack/chart/config-values.yaml, split
# into one file per chart template. Templates are named in apply order (00-namespace.yaml,
# 01-teams.yaml, ...), so `kubectl apply -f config/` and `ko apply -f config/` create
# namespaces before what lives in them.
#
#   hack/chart/render-config.sh          # rewrite config/*.yaml
#   hack/chart/render-config.sh DIR      # render into DIR instead (check.sh diffs it)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source hack/lib.sh

HELM=${HELM:-$BIN_HELM/helm}
[ -x "$HELM" ] || { hack/build-tools.sh helm; HELM=$BIN_HELM/helm; }

out=${1:-$ROOT/config}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$HELM" template devenvs charts/devenvs --namespace devenvs \
  --values hack/chart/config-values.yaml >"$tmp/all.yaml"

# Each document starts with "---" and "# Source: devenvs/templates/<file>"; append it to
# <file>, without the Source line, keeping documents in helm's (kind) order.
mkdir "$tmp/split"
awk -v dir="$tmp/split" '
  /^---$/ { pending = 1; next }
  /^# Source: devenvs\/templates\// {
    file = $3; sub(/.*\//, "", file)
    path = dir "/" file
    if (!(path in seen)) {
      seen[path] = 1
      print "# Generated from charts/devenvs by hack/chart/render-config.sh (values:" > path
      print "# hack/chart/config-values.yaml). Do not edit: change the chart and re-run it." > path
    }
    print "---" > path
    pending = 0
    next
  }
  { if (path == "") { print "render-config: output before any Source line" > "/dev/stderr"; exit 1 }
    print > path }
' "$tmp/all.yaml"

rm -f "$out"/[0-9][0-9]-*.yaml
cp "$tmp/split/"*.yaml "$out/"
rendered=("$tmp/split/"*.yaml)
echo "rendered ${#rendered[@]} files into ${out#"$ROOT"/}" >&2
