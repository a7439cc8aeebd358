# shellcheck shell=bash
# The settings below are read by the scripts that source this file, not here.
# shellcheck disable=SC2034
# Shared settings for the hack/ scripts: pinned versions and where builds are cached.
# Sourced, never run. Versions live here only, so every script and the cache key agree.

K8S_VERSION=${K8S_VERSION:-v1.35.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.5}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
METRICS_SERVER_VERSION=${METRICS_SERVER_VERSION:-v0.8.0}
HELM_VERSION=${HELM_VERSION:-v3.22.0}
FUNC_VERSION=${FUNC_VERSION:-v0.49.2}
# v2.17.0 answers 403 and v2.16.0 has no checksum-database entry through the proxy here.
KSM_VERSION=${KSM_VERSION:-v2.15.0}
# The real node's persistent homes (hack/realnode.sh).
LPP_VERSION=${LPP_VERSION:-v0.0.30}
# The real node's NetworkPolicy agent (nftables + nfqueue), also hack/realnode.sh.
KNP_VERSION=${KNP_VERSION:-v0.8.0}

# The cache lives outside the work tree so clean clones and CI reuse it; one folder per
# component and version, so bumping a version never serves a stale binary.
CACHE_ROOT=${DEVENVS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devenvs}
BIN_K8S="$CACHE_ROOT/kubernetes-$K8S_VERSION"
BIN_ETCD="$CACHE_ROOT/etcd-$ETCD_VERSION"
BIN_KWOK="$CACHE_ROOT/kwok-$KWOK_VERSION"
BIN_METRICS="$CACHE_ROOT/metrics-server-$METRICS_SERVER_VERSION"
BIN_HELM="$CACHE_ROOT/helm-$HELM_VERSION"
BIN_FUNC="$CACHE_ROOT/func-$FUNC_VERSION"
BIN_KSM="$CACHE_ROOT/kube-state-metrics-$KSM_VERSION"

# Runtime state of the local cluster and Redis (pid files, kubeconfig) also stays out of the tree.
STATE_DIR=${DEVENVS_STATE:-$CACHE_ROOT/state}
CLUSTER_NAME=${CLUSTER_NAME:-devenvs}
KUBECONFIG_LOCAL="$STATE_DIR/kubeconfig"
REDIS_PORT=${REDIS_PORT:-6390}

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
