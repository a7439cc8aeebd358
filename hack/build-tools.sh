#!/usr/bin/env bash
# Builds the pinned control-plane binaries (kube-apiserver, controller-manager, scheduler,
# kubectl, the kubelet of the real node, etcd, kwok, kwokctl, metrics-server; on request helm, func, kube-state-metrics)
# from the Go module proxy into the cache.
# A cold build takes ~10 minutes on 2 cores; a warm run checks files and returns at once.
#
#   hack/build-tools.sh            # everything the local cluster needs
#   hack/build-tools.sh helm func  # extra tools, by name (also kube-state-metrics)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

# scratch makes an empty module in a temp folder; the go.sum it writes is thrown away.
scratch() { local d; d=$(mktemp -d); (cd "$d" && go mod init scratch >/dev/null 2>&1); echo "$d"; }

# publish moves freshly built binaries into place atomically, so an interrupted build
# never leaves a half-populated cache folder that later runs would trust.
publish() { local tmp=$1 dest=$2; chmod 755 "$tmp"; rm -rf "$dest"; mv "$tmp" "$dest"; }

have() { local dir=$1; shift; for b in "$@"; do [ -x "$dir/$b" ] || return 1; done; }

build_kubernetes() {
  have "$BIN_K8S" kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet && return
  log "building Kubernetes $K8S_VERSION (about 7 minutes cold)"
  local d gomod minor out
  d=$(scratch)
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # k8s.io/kubernetes points its staging modules at ./staging; the proxy serves each as a
  # v0.x tag with the same minor, so rewrite every such replace to that tag.
  {
    echo "require k8s.io/kubernetes $K8S_VERSION"
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#replace \1 => \1 v0'"${K8S_VERSION#v1}"'#p' "$gomod"
  } >>"$d/go.mod"
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  out=$(mktemp -d "$CACHE_ROOT/.k8s.XXXX")
  (cd "$d" && cat > tools.go <<'GO'
//go:build tools
package tools
import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
   go mod tidy >/dev/null
   go build -trimpath -o "$out/" -ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION" \
     k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
     k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet)
  publish "$out" "$BIN_K8S"
}

build_etcd() {
  have "$BIN_ETCD" etcd && return
  log "building etcd $ETCD_VERSION"
  local d out; d=$(scratch); out=$(mktemp -d "$CACHE_ROOT/.etcd.XXXX")
  (cd "$d" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 &&
   go build -trimpath -ldflags="-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
  publish "$out" "$BIN_ETCD"
}

build_kwok() {
  have "$BIN_KWOK" kwok kwokctl && return
  log "building kwok and kwokctl $KWOK_VERSION"
  local out; out=$(mktemp -d "$CACHE_ROOT/.kwok.XXXX")
  GOBIN="$out" go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
  publish "$out" "$BIN_KWOK"
}

build_metrics_server() {
  have "$BIN_METRICS" metrics-server && return
  log "building metrics-server $METRICS_SERVER_VERSION"
  local d out; d=$(scratch); out=$(mktemp -d "$CACHE_ROOT/.ms.XXXX")
  (cd "$d" && go get "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION" >/dev/null 2>&1 &&
   go build -trimpath -ldflags="-s -w" -o "$out/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server)
  publish "$out" "$BIN_METRICS"
}

# kube-state-metrics runs as a local process against the local cluster (hack/prometheus/).
# Its root package is the main; the version string goes where its Makefile puts it.
build_kube_state_metrics() {
  have "$BIN_KSM" kube-state-metrics && return
  log "building kube-state-metrics $KSM_VERSION"
  local d out; d=$(scratch); out=$(mktemp -d "$CACHE_ROOT/.ksm.XXXX")
  (cd "$d" && go get "k8s.io/kube-state-metrics/v2@$KSM_VERSION" >/dev/null 2>&1 &&
   go build -trimpath -ldflags="-s -w -X github.com/prometheus/common/version.Version=$KSM_VERSION" \
     -o "$out/kube-state-metrics" k8s.io/kube-state-metrics/v2)
  publish "$out" "$BIN_KSM"
}

build_helm() {
  have "$BIN_HELM" helm && return
  log "building helm $HELM_VERSION"
  local out; out=$(mktemp -d "$CACHE_ROOT/.helm.XXXX")
  GOBIN="$out" go install -trimpath -ldflags="-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  publish "$out" "$BIN_HELM"
}

build_func() {
  have "$BIN_FUNC" func && return
  log "building the func CLI $FUNC_VERSION (about 5 minutes cold)"
  local d out; d=$(scratch); out=$(mktemp -d "$CACHE_ROOT/.func.XXXX")
  (cd "$d" && echo 'replace github.com/imdario/mergo => dario.cat/mergo v1.0.1' >>go.mod &&
   go get "knative.dev/func/cmd/func@$FUNC_VERSION" >/dev/null 2>&1 &&
   go build -trimpath -ldflags="-s -w" -o "$out/func" knative.dev/func/cmd/func)
  publish "$out" "$BIN_FUNC"
}

mkdir -p "$CACHE_ROOT"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(kubernetes etcd kwok metrics_server)
for t in "${targets[@]}"; do "build_${t//-/_}"; done
log "tools ready in $CACHE_ROOT"
