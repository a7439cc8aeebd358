#!/usr/bin/env bash
# The real node of the local cluster: containerd + runc + a kubelet built with the control
# plane, joined to the kwokctl cluster as node devenvs-real (pool "real": label and taint like
# the KWOK pools), with a bridge network whose containers reach the Debian mirror and nothing
# else, a local-path StorageClass for persistent homes, and images made without a registry
# (debian:bookworm from debootstrap, a static pause, busybox, the functions' own images).
# hack/cluster.sh calls it after the control plane is up; see docs/real-node.md.
#
#   hack/realnode.sh up      # start (or reuse) the node; on a machine where it cannot run, say why
#   hack/realnode.sh down    # stop what it started and undo every bit of host state it made
#   hack/realnode.sh check   # exit 0 when this machine can run it, else print why in one line;
#                            # also says in one line when it would run without NetworkPolicy enforcement
#   hack/realnode.sh images  # only build the cached images (debootstrap, pause, busybox)
#
# DEVENVS_REAL_NODE=0 leaves it out (a second local cluster on a machine whose one real node
# already serves another: the bridge, its addresses and the node name exist once per host).
# DEVENVS_NETPOL=0 starts it without NetworkPolicy enforcement (kube-network-policies).
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh

export KUBECONFIG="$KUBECONFIG_LOCAL"
KUBECTL="$BIN_K8S/kubectl"
NODE=devenvs-real
POOL=real
DIR="$STATE_DIR/realnode"
SOCK="$DIR/containerd.sock"
# Images survive `down` (importing them again costs seconds); runtime state does not.
CTRD_ROOT="$CACHE_ROOT/realnode-containerd"
IMAGES="$CACHE_ROOT/realnode-images-v1"
BRIDGE=devenvs0
GATEWAY=10.244.7.1
SUBNET=10.244.7.0/24
KUBELET_PORT=10350
CHAIN=DEVENVS-REALNODE
LPP_BIN="$CACHE_ROOT/local-path-provisioner-$LPP_VERSION/local-path-provisioner"
# kube-network-policies enforces the team NetworkPolicies; the cache key includes the hash of the file build_knp adds.
KNP_BIN="$CACHE_ROOT/kube-network-policies-$KNP_VERSION-$(sha256sum <hack/realnode/kube-network-policies/xtqueue.go.in | cut -c1-8)/kube-network-policies"
KNP_TABLE=kube-network-policies
STORAGE_CLASS=devenvs-local

ctr() { command ctr --address "$SOCK" -n k8s.io "$@"; }
running() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

# why prints the first reason this machine cannot run a real node, or nothing.
why() {
  [ "${DEVENVS_REAL_NODE:-1}" != 0 ] || { echo "turned off (DEVENVS_REAL_NODE=0)"; return; }
  [ "$(id -u)" = 0 ] || { echo "needs root (containerd, kubelet, bridge and iptables)"; return; }
  [ -d /sys/fs/cgroup/cpu ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || { echo "no cgroup filesystem at /sys/fs/cgroup"; return; }
  [ -x "$BIN_K8S/kubelet" ] || { echo "no kubelet at $BIN_K8S (run hack/build-tools.sh)"; return; }
  if ! ip link add devenvs-probe type bridge 2>/dev/null; then
    echo "cannot create a network bridge (no CAP_NET_ADMIN?)"; return
  fi
  ip link del devenvs-probe
}

# why_no_netpol prints why kube-network-policies cannot enforce NetworkPolicies here, or
# nothing. It needs nf_tables (an inet table with a postrouting chain), the xtables NFQUEUE
# target inside it (nft_compat: how build_knp's agent queues packets) and nfnetlink_queue.
# The probes run in a network namespace of their own, so they leave nothing on the host.
why_no_netpol() {
  command -v nft >/dev/null || { echo "no nft command (Debian package nftables; hack/realnode.sh up installs it)"; return; }
  local rc=0
  unshare --net sh -c 'nft add table inet probe && nft add chain inet probe c "{ type filter hook postrouting priority 0; }" || exit 1
    iptables-nft -N PROBE && iptables-nft -A PROBE -p 253 -j NFQUEUE --queue-num 100 --queue-bypass || exit 2' >/dev/null 2>&1 || rc=$?
  case $rc in
    0) ;;
    2) echo "the kernel lacks the NFQUEUE target under nf_tables (CONFIG_NFT_COMPAT, CONFIG_NETFILTER_XT_TARGET_NFQUEUE)"; return ;;
    *) echo "the kernel lacks nf_tables (CONFIG_NF_TABLES, CONFIG_NF_TABLES_INET), or this process may not use it"; return ;;
  esac
  [ -e /proc/net/netfilter/nfnetlink_queue ] || modprobe nfnetlink_queue 2>/dev/null || true
  [ -e /proc/net/netfilter/nfnetlink_queue ] || echo "the kernel lacks nfnetlink_queue (CONFIG_NETFILTER_NETLINK_QUEUE)"
}

install_packages() {
  local need=() pkg
  for pkg in containerd runc containernetworking-plugins dnsmasq-base debootstrap iptables nftables busybox-static gcc libc6-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  [ ${#need[@]} -eq 0 ] && return
  log "installing ${need[*]} (Debian packages)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

build_lpp() {
  [ -x "$LPP_BIN" ] && return
  log "building local-path-provisioner $LPP_VERSION (about 2 minutes cold)"
  local out; out=$(mktemp -d "$CACHE_ROOT/.lpp.XXXX")
  GOFLAGS=-mod=mod GOBIN="$out" CGO_ENABLED=0 go install -trimpath -ldflags="-s -w" "github.com/rancher/local-path-provisioner@$LPP_VERSION"
  chmod 755 "$out"; rm -rf "$(dirname "$LPP_BIN")"; mv "$out" "$(dirname "$LPP_BIN")"
}

# build_knp builds sigs.k8s.io/kube-network-policies (the kubernetes-sigs NetworkPolicy agent:
# nftables sends each new connection of a policed pod to an nfqueue, the agent accepts or drops
# it) from the module proxy's source with two changes, both small and checked here:
#   - cmd/main.go: the in-cluster config becomes $KUBECONFIG (a local process, not a DaemonSet
#     pod with a service account);
#   - the queue rules use the xtables NFQUEUE target instead of nftables' queue expression
#     (hack/realnode/kube-network-policies/xtqueue.go.in says why).
build_knp() {
  [ -x "$KNP_BIN" ] && return
  log "building kube-network-policies $KNP_VERSION (about 2 minutes cold)"
  local src out ctl
  src=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kube-network-policies@$KNP_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -f "$src/cmd/main.go" ] || die "no kube-network-policies $KNP_VERSION source from the module proxy"
  out=$(mktemp -d "$CACHE_ROOT/.knp.XXXX")
  cp -r "$src" "$out/src"; chmod -R u+w "$out/src"
  sed -i -e 's|rest.InClusterConfig()|clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))|' \
    -e 's|"k8s.io/client-go/rest"|"k8s.io/client-go/tools/clientcmd"|' "$out/src/cmd/main.go"
  ctl="$out/src/pkg/networkpolicy/controller.go"
  sed -i -e 's|queue := &expr.Queue{Num: uint16(c.config.QueueID)}|queue := nfqueueTarget(uint16(c.config.QueueID), c.config.FailOpen)|' \
    -e '/queue.Flag = expr.QueueFlagBypass/d' "$ctl"
  cp hack/realnode/kube-network-policies/xtqueue.go.in "$out/src/pkg/networkpolicy/xtqueue.go"
  if [ "$(grep -c 'clientcmd.BuildConfigFromFlags' "$out/src/cmd/main.go")" != 1 ] ||
    [ "$(grep -c 'queue := nfqueueTarget' "$ctl")" != 2 ] || grep -q 'expr.Queue' "$ctl"; then
    die "kube-network-policies $KNP_VERSION changed where build_knp patches it; update build_knp"
  fi
  (cd "$out/src" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags="-s -w" -o "$out/kube-network-policies" ./cmd) ||
    die "building kube-network-policies failed"
  mkdir -p "$(dirname "$KNP_BIN")"; mv "$out/kube-network-policies" "$KNP_BIN"; rm -rf "$out"
}

# mirror prints the host name and address of the Debian mirror apt uses, so containers can
# resolve it (and only it).
mirror_url() { sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 ||
  true; }
mirror() {
  local url host
  url=$(mirror_url); [ -n "$url" ] || url=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  host=${url#*://}; host=${host%%/*}
  echo "$url" "$host" "$(getent ahostsv4 "$host" | awk '{print $1; exit}')"
}

# build_images makes the node's images once per cache version: a debootstrap'ed Debian
# (tagged debian:bookworm, the image environments ask for), the pause sandbox, busybox for
# local-path-provisioner's helper pods.
build_images() {
  mkdir -p "$IMAGES"
  local url host addr tmp
  read -r url host addr < <(mirror)
  if [ ! -f "$IMAGES/debian-bookworm.tar" ]; then
    log "making debian:bookworm with debootstrap from $url (about a minute)"
    tmp=$(mktemp -d); mkdir "$tmp/root"
    debootstrap --variant=minbase bookworm "$tmp/root" "$url" >"$tmp/log" 2>&1 || { tail -5 "$tmp/log" >&2; die "debootstrap failed"; }
    rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*
    # Only our mirror exists for containers; keep the image's apt pointed at it.
    echo "deb $url bookworm main" >"$tmp/root/etc/apt/sources.list"
    tar -C "$tmp/root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$tmp/rootfs.tar" .
    go run ./hack/realnode/mkimage -rootfs "$tmp/rootfs.tar" -tag debian:bookworm -cmd /bin/bash -out "$IMAGES/debian-bookworm.tar.tmp"
    # The same Debian whose package sources lead nowhere: tests see a package manager fail.
    mkdir -p "$tmp/broken/etc/apt"
    echo "deb http://no-such-mirror.invalid/debian bookworm main" >"$tmp/broken/etc/apt/sources.list"
    tar -C "$tmp/broken" -cf "$tmp/broken.tar" .
    go run ./hack/realnode/mkimage -rootfs "$tmp/rootfs.tar,$tmp/broken.tar" -tag debian:broken-sources -cmd /bin/bash \
      -out "$IMAGES/debian-broken-sources.tar"
    mv "$IMAGES/debian-bookworm.tar.tmp" "$IMAGES/debian-bookworm.tar"; rm -rf "$tmp"
  fi
  if [ ! -f "$IMAGES/pause.tar" ]; then
    tmp=$(mktemp -d); mkdir "$tmp/root"
    gcc -static -O2 -o "$tmp/root/pause" hack/realnode/pause.c
    tar -C "$tmp/root" -cf "$tmp/rootfs.tar" .
    go run ./hack/realnode/mkimage -rootfs "$tmp/rootfs.tar" -tag devenvs/pause:1 -cmd /pause -out "$IMAGES/pause.tar"
    rm -rf "$tmp"
  fi
  if [ ! -f "$IMAGES/busybox.tar" ]; then
    tmp=$(mktemp -d); mkdir -p "$tmp/root/bin"
    cp /bin/busybox "$tmp/root/bin/busybox"
    for a in sh mkdir rm chmod ls cat sleep; do ln -s busybox "$tmp/root/bin/$a"; done
    tar -C "$tmp/root" -cf "$tmp/rootfs.tar" .
    go run ./hack/realnode/mkimage -rootfs "$tmp/rootfs.tar" -tag devenvs/busybox:1 -cmd /bin/sh -out "$IMAGES/busybox.tar"
    rm -rf "$tmp"
  fi
}

# import_images loads every image tarball into containerd (a no-op for ones it has).
import_images() {
  local f
  for f in "$IMAGES"/*.tar; do ctr images import --no-unpack "$f" >/dev/null; done
  # The functions' images, when `make images` has written them (hack/realnode/images.sh).
  if [ -d "${IMAGES_DIR:-_output/images}" ]; then
    for f in "${IMAGES_DIR:-_output/images}"/*/; do
      local n; n=$(basename "$f")
      go run ./hack/realnode/mkimage -layout "$f" -platform linux/amd64 -tag "devenvs/$n:dev" -out "$DIR/$n.tar" &&
        ctr images import --no-unpack "$DIR/$n.tar" >/dev/null && rm -f "$DIR/$n.tar"
    done
  fi
}

start_network() {
  read -r _ host addr < <(mirror)
  [ -n "$addr" ] || die "cannot resolve the Debian mirror ($host)"
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$GATEWAY/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  cat /proc/sys/net/ipv4/ip_forward >"$DIR/ip_forward.before"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  # Containers may reach: DNS on the bridge, each other, the mirror over HTTP(S); nothing
  # else on the host or beyond. Replies to connections the host opened (SSH, probes) pass.
  iptables -N "$CHAIN" 2>/dev/null || iptables -F "$CHAIN"
  iptables -A "$CHAIN" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  iptables -A "$CHAIN" -i "$BRIDGE" -d "$GATEWAY" -p udp --dport 53 -j ACCEPT
  iptables -A "$CHAIN" -i "$BRIDGE" -d "$GATEWAY" -p tcp --dport 53 -j ACCEPT
  iptables -A "$CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  iptables -A "$CHAIN" -i "$BRIDGE" -d "$addr" -p tcp -m multiport --dports 80,443 -j ACCEPT
  iptables -A "$CHAIN" -i "$BRIDGE" -j DROP
  iptables -C INPUT -j "$CHAIN" 2>/dev/null || iptables -I INPUT -j "$CHAIN"
  iptables -C FORWARD -j "$CHAIN" 2>/dev/null || iptables -I FORWARD -j "$CHAIN"
  mkdir -p "$DIR/cni/net.d" "$DIR/cni/ipam"
  cat >"$DIR/cni/net.d/10-devenvs.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "devenvs-real", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$DIR/cni/ipam", "ranges": [[{"subnet": "$SUBNET", "gateway": "$GATEWAY"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
JSON
  # Pods resolve the mirror's name and nothing else.
  dnsmasq --pid-file="$DIR/dnsmasq.pid" --interface="$BRIDGE" --bind-interfaces --except-interface=lo \
    --no-resolv --no-hosts --host-record="$host,$addr" --log-facility="$DIR/dnsmasq.log"
  : >"$DIR/resolv.conf"
}

start_containerd() {
  mkdir -p "$CTRD_ROOT" "$DIR/containerd-state"
  cat >"$DIR/containerd.toml" <<TOML
version = 2
root = "$CTRD_ROOT"
state = "$DIR/containerd-state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "devenvs/pause:1"
  # Root here lacks CAP_SYS_RESOURCE: runc fails every pod unless OOM scores are only raised.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
TOML
  containerd --config "$DIR/containerd.toml" >"$DIR/containerd.log" 2>&1 &
  echo $! >"$DIR/containerd.pid"
  for _ in $(seq 1 100); do ctr version >/dev/null 2>&1 && return; sleep 0.1; done
  die "containerd did not start; see $DIR/containerd.log"
}

# kubelet_credentials signs a client certificate for system:node:$NODE with the cluster's CA
# (kwokctl keeps it in its work dir), so the kubelet is a node like any other.
kubelet_credentials() {
  local pki=${KWOK_WORKDIR:-$HOME/.kwok}/clusters/$CLUSTER_NAME/pki server
  [ -f "$pki/ca.key" ] || die "no cluster CA at $pki"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$DIR/kubelet.key" -subj "/O=system:nodes/CN=system:node:$NODE" \
    -out "$DIR/kubelet.csr" 2>/dev/null
  openssl x509 -req -in "$DIR/kubelet.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 30 \
    -out "$DIR/kubelet.crt" 2>/dev/null
  server=$("$KUBECTL" config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  cp "$pki/ca.crt" "$DIR/ca.crt"
  cat >"$DIR/kubelet.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority: "$DIR/ca.crt"}}]
users: [{name: node, user: {client-certificate: "$DIR/kubelet.crt", client-key: "$DIR/kubelet.key"}}]
contexts: [{name: node, context: {cluster: local, user: node}}]
current-context: node
YAML
}

start_kubelet() {
  mkdir -p "$DIR/kubelet" "$DIR/pod-logs"
  cat >"$DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $GATEWAY
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10348
# This machine's cgroup hierarchy is v1.
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://$SOCK
podLogsDir: $DIR/pod-logs
resolvConf: $DIR/resolv.conf
clusterDNS: [$GATEWAY]
clusterDomain: cluster.local
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $DIR/ca.crt}
authorization: {mode: Webhook}
registerWithTaints: [{key: pool, value: $POOL, effect: NoSchedule}]
maxPods: 40
# A test machine's disk is shared with everything else; never evict environments for it.
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
YAML
  "$BIN_K8S/kubelet" --config "$DIR/kubelet.yaml" --kubeconfig "$DIR/kubelet.kubeconfig" \
    --root-dir "$DIR/kubelet" --hostname-override "$NODE" --node-ip "$GATEWAY" \
    --node-labels "pool=$POOL,devenvs.dev/real-node=true" >"$DIR/kubelet.log" 2>&1 &
  echo $! >"$DIR/kubelet.pid"
  for _ in $(seq 1 120); do
    [ "$("$KUBECTL" get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && return
    running kubelet || break
    sleep 0.5
  done
  grep -v '^I' "$DIR/kubelet.log" | tail -20 >&2
  die "node $NODE did not become Ready; see $DIR/kubelet.log"
}

# start_netpol runs kube-network-policies as a local process of the node, so the team
# NetworkPolicies are enforced on its pods. Connections the node's root processes open (kubelet
# probes, the tests' SSH from the host) are not policed (the agent's own rule), nor pod -> node
# traffic, which never reaches its postrouting hook: the $CHAIN chain guards that. Its fix for
# a DNS conntrack race is off: the race was fixed in Linux 6.12, and the workaround polices DNS
# to the node's own resolver, which no NetworkPolicy can name as a pod. --v 2 would log every
# decision (about 800 bytes a connection); its metrics (127.0.0.1:10347) count them instead.
start_netpol() {
  [ "${DEVENVS_NETPOL:-1}" != 0 ] || { log "NetworkPolicies not enforced on $NODE (DEVENVS_NETPOL=0)"; return; }
  local reason; reason=$(why_no_netpol)
  if [ -n "$reason" ]; then log "NetworkPolicies NOT enforced on $NODE: $reason"; return; fi
  KUBECONFIG="$KUBECONFIG" "$KNP_BIN" --hostname-override "$NODE" --nfqueue-id 100 --netfilter-bug-1766-fix=false \
    --metrics-bind-address 127.0.0.1:10347 --v 1 >"$DIR/kube-network-policies.log" 2>&1 &
  echo $! >"$DIR/kube-network-policies.pid"
  # The table appears once its informers have synced: from then on every new pod is policed.
  for _ in $(seq 1 100); do nft list table inet "$KNP_TABLE" >/dev/null 2>&1 && return; running kube-network-policies || break; sleep 0.1; done
  tail -5 "$DIR/kube-network-policies.log" >&2
  die "kube-network-policies did not start; see $DIR/kube-network-policies.log"
}

# stop_netpol stops the agent (SIGINT: it removes its table then), and removes the table in any
# case: left behind, it would queue packets to a queue nobody reads, which drops them.
stop_netpol() {
  local f="$DIR/kube-network-policies.pid" pid
  if [ -f "$f" ]; then
    pid=$(cat "$f")
    if kill -INT "$pid" 2>/dev/null; then
      for _ in $(seq 1 30); do nft list table inet "$KNP_TABLE" >/dev/null 2>&1 || break; sleep 0.1; done
      kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  fi
  nft delete table inet "$KNP_TABLE" 2>/dev/null || true
}

# start_storage runs local-path-provisioner as a local process for the StorageClass
# persistent homes use; its helper pods (busybox) run on the real node.
start_storage() {
  mkdir -p "$CACHE_ROOT/realnode-volumes"
  "$KUBECTL" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: devenvs-storage}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: local-path-config, namespace: devenvs-storage}
data:
  config.json: '{"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$CACHE_ROOT/realnode-volumes"]}]}'
  setup: |
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  helperPod.yaml: |
    apiVersion: v1
    kind: Pod
    metadata: {name: helper-pod}
    spec:
      priorityClassName: system-node-critical
      tolerations: [{operator: Exists}]
      containers:
      - name: helper-pod
        image: devenvs/busybox:1
        imagePullPolicy: IfNotPresent
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $STORAGE_CLASS}
provisioner: devenvs.dev/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
YAML
  "$KUBECTL" -n devenvs-storage get cm local-path-config -o jsonpath='{.data.config\.json}' >"$DIR/local-path.json"
  "$LPP_BIN" --debug start --kubeconfig "$KUBECONFIG" --namespace devenvs-storage --config "$DIR/local-path.json" \
    --configmap-name local-path-config --provisioner-name devenvs.dev/local-path \
    --helper-image devenvs/busybox:1 --service-account-name default >"$DIR/local-path.log" 2>&1 &
  echo $! >"$DIR/local-path.pid"
}

up() {
  local reason; reason=$(why)
  if [ -n "$reason" ]; then log "no real node on this machine: $reason"; return 0; fi
  if running kubelet && "$KUBECTL" get node "$NODE" >/dev/null 2>&1; then
    # A node started before enforcement existed (or whose agent died) gets it now.
    if ! running kube-network-policies && [ "${DEVENVS_NETPOL:-1}" != 0 ]; then install_packages; build_knp; start_netpol; fi
    log "reusing real node $NODE"; return
  fi
  down >/dev/null 2>&1 || true
  local start=$SECONDS
  mkdir -p "$DIR"
  install_packages
  build_lpp
  build_knp
  build_images
  start_network
  start_containerd
  import_images
  kubelet_credentials
  start_netpol
  start_kubelet
  start_storage
  local enforced="NetworkPolicies enforced by kube-network-policies $KNP_VERSION"
  running kube-network-policies || enforced="NetworkPolicies NOT enforced"
  log "real node $NODE Ready in $((SECONDS - start))s (pool $POOL, StorageClass $STORAGE_CLASS, $enforced)"
}

stop_pid() {
  local f="$DIR/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  [ -d "$DIR" ] || { log "no real node started by devenvs; nothing to stop"; return; }
  stop_pid local-path
  stop_netpol
  stop_pid kubelet
  if running containerd; then
    # Containers outlive the kubelet under their shims: kill them, then their sandboxes' network.
    local t
    for t in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s KILL "$t" >/dev/null 2>&1 || true; done
    sleep 0.5
    for t in $(ctr tasks ls -q 2>/dev/null); do ctr tasks delete -f "$t" >/dev/null 2>&1 || true; done
    for t in $(ctr containers ls -q 2>/dev/null); do ctr containers delete "$t" >/dev/null 2>&1 || true; done
  fi
  stop_pid containerd
  pkill -f "containerd-shim-runc-v2 -namespace k8s.io -address $SOCK" 2>/dev/null || true
  stop_pid dnsmasq
  # Mounts the kubelet and containerd made (volumes, rootfs, netns), deepest first.
  local m
  for m in $(findmnt -rn -o TARGET | grep -F -e "$DIR/" -e "$CTRD_ROOT/" | sort -r || true); do
    umount -l "$m" 2>/dev/null || true
  done
  # The bridge plugin's NAT chains carry the network's name in their comments.
  { iptables-save -t nat | sed -n 's/^-A POSTROUTING \(.*devenvs-real.*\)$/\1/p' || true; } | while read -r rule; do
    eval "iptables -t nat -D POSTROUTING $rule" 2>/dev/null || true
  done
  { iptables-save -t nat | sed -n 's/^:\(CNI-[0-9a-f]*\) .*/\1/p' || true; } | while read -r c; do
    if iptables-save -t nat | grep -q -- "-A $c .*devenvs-real"; then
      iptables -t nat -F "$c"; iptables -t nat -X "$c" || true
    fi
  done
  iptables -D INPUT -j "$CHAIN" 2>/dev/null || true
  iptables -D FORWARD -j "$CHAIN" 2>/dev/null || true
  if iptables -F "$CHAIN" 2>/dev/null; then iptables -X "$CHAIN" 2>/dev/null || true; fi
  ip link del "$BRIDGE" 2>/dev/null || true
  [ -f "$DIR/ip_forward.before" ] && cat "$DIR/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
  rm -rf /var/lib/cni/networks/devenvs-real /var/lib/cni/results/devenvs-real-* 2>/dev/null || true
  rm -rf "$DIR"
  log "real node $NODE stopped; host state undone"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  check)
    r=$(why); [ -z "$r" ] || { echo "$r"; exit 1; }
    r=$(why_no_netpol); [ -z "$r" ] || echo "a real node can run here, but without NetworkPolicy enforcement: $r" ;;
  images) install_packages; build_images ;;
  *) die "usage: $0 up|down|check|images" ;;
esac
