#!/usr/bin/env bash
# Checks the deployment packaging (charts/devenvs, config/, func.yaml files), failing on the
# first error:
#   1. helm lint --strict with the default values, config/'s values and hack/chart/full-values.yaml
#      (every option on); and values.schema.json refuses typos and bad types (each case in
#      hack/chart/bad-values/ must fail).
#   2. config/ is the chart rendered by hack/chart/render-config.sh (no drift).
#   3. On the local cluster (make cluster): install the Knative Serving/Eventing and
#      prometheus-operator CRDs (server-side apply, idempotent), create the namespaces the
#      manifests live in, then `kubectl apply --server-side --dry-run=server --force-conflicts`
#      (objects other tests made may exist with other field managers) of the chart
#      rendered with each values file, and of config/.
#      NOTES.txt is rendered (client-side dry-run install) and names the UI URL, the token and
#      the Alertmanager receiver.
#   4. Knative's own SetDefaults+Validate on every rendered Knative object (scratch module
#      hack/chart/knative-validate, which pins knative.dev/serving v0.51.0 and eventing v0.50.0).
#      Then the NetworkPolicy truth table (scratch module hack/netpol), and the Grafana
#      dashboard (module hack/dashboard): the chart's JSON is what its generator makes, and
#      reads back through the Grafana Foundation SDK's strict decoder and schema checks.
#   5. The root module's chart tests: go test ./hack/chart/ (func.yaml consistency, RBAC on the
#      cluster, chart vs shared/ builders). Skipped with CHART_MAIN_GO_TESTS=0, for `make test`,
#      whose `go test ./...` runs them anyway.
# The modules of step 4 run with GOWORK=off: they are modules of their own, outside the
# repo's go.work (which joins the product and hack/ only).
# Without a cluster, step 3 (and the cluster parts of 5) fail under CI and are skipped elsewhere.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source hack/lib.sh

log() { printf '\033[1m[check-chart]\033[0m %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

CHART=charts/devenvs
HELM=${HELM:-$BIN_HELM/helm}
KUBECTL=${KUBECTL:-$BIN_K8S/kubectl}
export KUBECONFIG=${DEVENVS_KUBECONFIG:-$KUBECONFIG_LOCAL}
# Versions of the CRDs the manifests are checked against (module cache, no download of YAML).
SERVING_MODULE=knative.dev/serving@v0.51.0
EVENTING_MODULE=knative.dev/eventing@v0.50.0
PROMOP_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0

[ -x "$HELM" ] || { hack/build-tools.sh helm; HELM=$BIN_HELM/helm; }
tmp=$(mktemp -d)
created_ns=()
cleanup() {
  # Namespaces made only so the dry run could check what lives in them.
  for ns in "${created_ns[@]}"; do "$KUBECTL" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

values_files=("" hack/chart/config-values.yaml hack/chart/full-values.yaml)
values_args() { [ -z "$1" ] && return 0; printf -- '--values\n%s\n' "$1"; }

# --- 1. lint and schema -----------------------------------------------------------------
for v in "${values_files[@]}"; do
  mapfile -t args < <(values_args "$v")
  log "helm lint --strict ${v:-(default values)}"
  "$HELM" lint --strict "$CHART" --namespace devenvs "${args[@]}" >"$tmp/lint" 2>&1 || { cat "$tmp/lint" >&2; die "helm lint ${v:-default}"; }
  grep -E '^\[(WARNING|ERROR)\]' "$tmp/lint" >&2 && die "helm lint ${v:-default} is not clean"
done
log "values.schema.json refuses every case in hack/chart/bad-values/"
for bad in hack/chart/bad-values/*.yaml; do
  if "$HELM" template devenvs "$CHART" --namespace devenvs --values "$bad" >/dev/null 2>"$tmp/err"; then
    die "$bad was accepted; the schema must refuse it"
  fi
  want=$(sed -n 's/^# expect: //p' "$bad")
  grep -qF -- "$want" "$tmp/err" || { cat "$tmp/err" >&2; die "$bad failed without the expected message: $want"; }
  log "  refused $(basename "$bad"): $want"
done

# --- 2. config/ drift ---------------------------------------------------------------------
log "config/ is up to date with the chart"
hack/chart/render-config.sh "$tmp/config" 2>/dev/null
diff -r <(cd config && ls [0-9][0-9]-*.yaml) <(cd "$tmp/config" && ls) >&2 ||
  die "config/ has other files than the chart renders: run hack/chart/render-config.sh"
for f in "$tmp/config"/*.yaml; do
  diff -u "config/$(basename "$f")" "$f" >&2 ||
    die "config/$(basename "$f") differs from the chart: run hack/chart/render-config.sh"
done

# --- 3. server-side dry run ---------------------------------------------------------------
cluster_ready() { [ -f "$KUBECONFIG" ] && "$KUBECTL" get --raw=/readyz >/dev/null 2>&1; }
if ! cluster_ready; then
  [ -n "${CI:-}" ] && die "no local cluster at $KUBECONFIG: run make cluster"
  log "SKIP server-side dry run: no local cluster at $KUBECONFIG (run make cluster)"
else
  module_dir() { GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }
  serving=$(module_dir "$SERVING_MODULE")
  eventing=$(module_dir "$EVENTING_MODULE")
  promop=$(module_dir "$PROMOP_MODULE")
  log "installing CRDs: $SERVING_MODULE, $EVENTING_MODULE, $PROMOP_MODULE (PrometheusRule, PodMonitor)"
  crds=("$serving"/config/core/300-resources/*.yaml "$eventing"/config/core/resources/*.yaml
    "$promop"/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
    "$promop"/example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml)
  for f in "${crds[@]}"; do
    "$KUBECTL" apply --server-side --force-conflicts --field-manager=devenvs-check -f "$f" >/dev/null ||
      die "apply CRDs from $f"
  done
  for crd in services.serving.knative.dev brokers.eventing.knative.dev triggers.eventing.knative.dev \
    pingsources.sources.knative.dev sinkbindings.sources.knative.dev prometheusrules.monitoring.coreos.com \
    podmonitors.monitoring.coreos.com; do
    "$KUBECTL" wait --for=condition=Established --timeout=60s "crd/$crd" >/dev/null || die "CRD $crd not Established"
  done

  for v in "${values_files[@]}"; do
    mapfile -t args < <(values_args "$v")
    "$HELM" template devenvs "$CHART" --namespace devenvs "${args[@]}" >"$tmp/render.yaml"
    # A dry run cannot create a namespace for the objects after it: make the ones it needs.
    while read -r ns; do
      if ! "$KUBECTL" get namespace "$ns" >/dev/null 2>&1; then
        "$KUBECTL" create namespace "$ns" >/dev/null
        created_ns+=("$ns")
      fi
    done < <(awk '/^kind: /{k=$2} /^  namespace: /{if (k!="") print $2}' "$tmp/render.yaml" | sort -u)
    log "kubectl apply --server-side --dry-run=server: chart with ${v:-default values} ($(grep -c '^kind:' "$tmp/render.yaml") objects)"
    "$KUBECTL" apply --server-side --dry-run=server --force-conflicts --field-manager=devenvs-check -f "$tmp/render.yaml" >"$tmp/out" 2>&1 ||
      { cat "$tmp/out" >&2; die "server-side dry run of the chart with ${v:-default values}"; }
  done
  # NOTES.txt renders only on install: a client-side dry-run install (cluster-scoped and
  # namespace objects left out, so objects other tests made cannot collide).
  for v in "${values_files[@]}"; do
    mapfile -t args < <(values_args "$v")
    "$HELM" install devenvs "$CHART" --namespace devenvs --dry-run=client "${args[@]}" \
      --set createNamespace=false,teamNamespaces.create=false,priorityClasses.create=false >"$tmp/install" 2>&1 ||
      { cat "$tmp/install" >&2; die "helm install --dry-run=client with ${v:-default values}"; }
    sed -n '/^NOTES:/,$p' "$tmp/install" >"$tmp/notes"
    for want in "get ksvc web -o jsonpath='{.status.url}" "sha256sum" "webhook_configs:" \
      "url: http://alertsource.devenvs.svc.cluster.local/" "credentials_file: /etc/alertmanager/secrets/devenvs-alertsource/token"; do
      grep -qF -- "$want" "$tmp/notes" || { cat "$tmp/notes" >&2; die "NOTES.txt (${v:-default values}) lacks: $want"; }
    done
  done
  log "NOTES.txt renders the UI URL, token and Alertmanager receiver steps with every values file"
  log "kubectl apply --server-side --dry-run=server -f config/"
  "$KUBECTL" apply --server-side --dry-run=server --force-conflicts --field-manager=devenvs-check -f config/ >"$tmp/out" 2>&1 ||
    { cat "$tmp/out" >&2; die "server-side dry run of config/"; }
  # The dry run must be able to fail: a schema error in a Trigger is refused by the CRD.
  sed 's/^    retry: 5$/    retry: five/' config/60-triggers.yaml >"$tmp/bad-trigger.yaml"
  cmp -s config/60-triggers.yaml "$tmp/bad-trigger.yaml" && die "negative dry run: pattern 'retry: 5' not found"
  if "$KUBECTL" apply --server-side --dry-run=server --field-manager=devenvs-check -f "$tmp/bad-trigger.yaml" >"$tmp/out" 2>&1; then
    die "the server-side dry run accepted a Trigger with retry: five"
  fi
  log "  a Trigger with retry: five is refused: $(grep -o 'spec.delivery.retry[^,]*' "$tmp/out" | head -1)"
fi

# --- 4. Knative Validate ------------------------------------------------------------------
manifests=()
for v in "${values_files[@]}"; do
  mapfile -t args < <(values_args "$v")
  out="$tmp/knative-$(basename "${v:-default}" .yaml).yaml"
  "$HELM" template devenvs "$CHART" --namespace devenvs "${args[@]}" >"$out"
  manifests+=("$out")
done
log "Knative SetDefaults+Validate (hack/chart/knative-validate) on config/ and ${#manifests[@]} renderings"
(cd hack/chart/knative-validate && export GOWORK=off &&
  DEVENVS_MANIFESTS=$(IFS=,; echo "${manifests[*]}") go test -count=1 ./...) ||
  die "Knative validation"
log "NetworkPolicy truth table (hack/netpol): the team policies evaluated by cyclonus' matcher"
(cd hack/netpol && GOWORK=off go test -count=1 ./...) || die "NetworkPolicy truth table"
log "Grafana dashboard (hack/dashboard): generated JSON without drift, valid for the SDK's schema"
(cd hack/dashboard && GOWORK=off go test -count=1 ./...) ||
  die "Grafana dashboard: regenerate with (cd hack/dashboard && GOWORK=off go run .)"

# --- 5. root-module chart tests -------------------------------------------------------------
if [[ ${CHART_MAIN_GO_TESTS:-1} != 0 ]]; then
  log "go test ./hack/chart/"
  DEVENVS_MANIFESTS=$(IFS=,; echo "${manifests[*]}") go test -count=1 ./hack/chart/ || die "go test ./hack/chart/"
fi

log "OK"
