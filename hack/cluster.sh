#!/usr/bin/env bash
# The local Kubernetes: a real kube-apiserver, controller-manager, scheduler and etcd run by
# kwokctl on the binary runtime, with KWOK nodes for every simulated pool in hack/pools.yaml,
# a metrics-server fed by KWOK's simulated usage (so PodMetrics are real API objects), and
# one real node running real containers (hack/realnode.sh) for the pool marked real.
#
#   hack/cluster.sh up      # build (cached) and start, or reuse a running cluster
#   hack/cluster.sh down    # stop the cluster this script started, nothing else
#   hack/cluster.sh status
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh

export KUBECONFIG="$KUBECONFIG_LOCAL"
KWOKCTL="$BIN_KWOK/kwokctl"
KUBECTL="$BIN_K8S/kubectl"
MARKER="$STATE_DIR/cluster.started-by-devenvs"

ready() { [ -f "$KUBECONFIG" ] && "$KUBECTL" get --raw=/readyz >/dev/null 2>&1; }

module_dir() { (cd "$(mktemp -d)" && GOFLAGS='' go mod download -json "$1") | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }

apply_nodes() {
  go run ./hack/kwoknodes | "$KUBECTL" apply --server-side --force-conflicts -f - >/dev/null
}

wait_nodes() {
  local want; want=$(go run ./hack/kwoknodes | grep -c '^  kind: Node')
  for _ in $(seq 1 120); do
    local ok; ok=$("$KUBECTL" get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
    [ "$ok" -ge "$want" ] && { log "$ok KWOK nodes Ready"; return; }
    sleep 0.5
  done
  die "KWOK nodes did not become Ready; see $KWOKCTL --name $CLUSTER_NAME logs kwok-controller"
}

up() {
  local start=$SECONDS
  hack/build-tools.sh
  mkdir -p "$STATE_DIR"
  if ready; then
    log "reusing the running cluster ($KUBECONFIG)"
  else
    # A cluster left from a reboot or a crash has state but no processes: start afresh.
    "$KWOKCTL" delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG" >/dev/null 2>&1 || true
    local ms_dir kwok_dir cfg pki
    # A new cluster has a new CA: a real node of the old one cannot join it.
    hack/realnode.sh down >/dev/null 2>&1 || true
    ms_dir=$(module_dir "sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION")
    kwok_dir=$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")
    cfg="$STATE_DIR/kwokctl.yaml"
    pki="${KWOK_WORKDIR:-$HOME/.kwok}/clusters/$CLUSTER_NAME/pki"
    # A local path (not a URL) is built with kustomize, so nothing is downloaded.
    cat >"$cfg" <<YAML
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  metricsServerManifests:
  - $ms_dir/manifests/base
componentsPatches:
# KWOK fakes only its own nodes; the real node (hack/realnode.sh) is left to its kubelet.
- name: kwok-controller
  extraArgs:
  - {key: manage-all-nodes, value: "false", override: true}
  - {key: manage-nodes-with-annotation-selector, value: kwok.x-k8s.io/node=fake}
# The apiserver reaches the real kubelet by IP, as a client its webhook authn accepts.
- name: kube-apiserver
  extraArgs:
  - {key: kubelet-preferred-address-types, value: "InternalIP,Hostname"}
  - {key: kubelet-client-certificate, value: $pki/admin.crt}
  - {key: kubelet-client-key, value: $pki/admin.key}
YAML
    # The apiserver's default Service range is a /24 (254 addresses); every environment has a
    # Service, so benchmarks and long test runs need room.
    log "starting kwokctl cluster $CLUSTER_NAME"
    "$KWOKCTL" create cluster --name "$CLUSTER_NAME" --runtime binary --config "$cfg" \
      --kubeconfig "$KUBECONFIG" \
      --kube-apiserver-binary "$BIN_K8S/kube-apiserver" \
      --kube-controller-manager-binary "$BIN_K8S/kube-controller-manager" \
      --kube-scheduler-binary "$BIN_K8S/kube-scheduler" \
      --kwok-controller-binary "$BIN_KWOK/kwok" \
      --etcd-binary "$BIN_ETCD/etcd" \
      --enable metrics-server --metrics-server-binary "$BIN_METRICS/metrics-server" \
      --enable-crds Metric,ClusterResourceUsage,ResourceUsage \
      --extra-args kube-apiserver=service-cluster-ip-range=10.96.0.0/16 \
      --wait 90s >&2
    touch "$MARKER"
    # Usage that tests decide through pod annotations kwok.x-k8s.io/usage-cpu / -memory.
    "$KUBECTL" apply -f "$kwok_dir/kustomize/metrics/resource/metrics-resource.yaml" \
      -f "$kwok_dir/kustomize/metrics/usage/usage-from-annotation.yaml" >/dev/null
  fi
  apply_nodes
  wait_nodes
  hack/realnode.sh up
  log "cluster ready in $((SECONDS - start))s; export KUBECONFIG=$KUBECONFIG"
}

down() {
  if [ ! -f "$MARKER" ]; then
    log "no cluster started by devenvs; nothing to stop"
    return
  fi
  hack/realnode.sh down
  "$KWOKCTL" delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG" >&2
  rm -f "$MARKER" "$KUBECONFIG"
  log "cluster $CLUSTER_NAME stopped"
}

status() {
  if ready; then "$KUBECTL" get nodes -L pool; else log "not running"; return 1; fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 up|down|status" ;;
esac
