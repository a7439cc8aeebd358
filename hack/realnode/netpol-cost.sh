#!/usr/bin/env bash
# What NetworkPolicy enforcement costs a connection on the real node (docs/PERFORMANCE.md):
# N HTTP requests, each on a new connection, from a pod (bash's /dev/tcp, so no process starts
# per request) to a busybox httpd in another, alternately
# with a NetworkPolicy that selects both pods and allows everything (so kube-network-policies
# decides each new connection in user space) and without one (the kernel never queues them),
# ROUNDS rounds of each. Prints milliseconds per request, timed inside the client pod.
#
#   hack/realnode/netpol-cost.sh [N] [ROUNDS]     # defaults: 1000 3
set -euo pipefail
cd "$(dirname "$0")/../.."
source hack/lib.sh
export KUBECONFIG="$KUBECONFIG_LOCAL"
K="$BIN_K8S/kubectl"
N=${1:-1000}
ROUNDS=${2:-3}

ns=netpol-cost-$RANDOM
"$K" create namespace "$ns" >/dev/null
trap '"$K" delete namespace "$ns" --wait=false >/dev/null' EXIT
pod() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $ns}
spec:
  nodeSelector: {pool: real}
  tolerations: [{key: pool, operator: Equal, value: real, effect: NoSchedule}]
  terminationGracePeriodSeconds: 0
  automountServiceAccountToken: false
  containers:
  - name: main
    image: $3
    imagePullPolicy: IfNotPresent
    command: [/bin/sh, -c, "$2"]
---
YAML
}
{ pod server 'mkdir -p /w && echo ok >/w/index.html && /bin/busybox httpd -p 8080 -h /w && exec /bin/busybox sleep 100000' devenvs/busybox:1
  pod client 'exec sleep 100000' debian:bookworm; } | "$K" apply -f - >/dev/null
"$K" -n "$ns" wait --for=condition=Ready pod/server pod/client --timeout=120s >/dev/null
ip=$("$K" -n "$ns" get pod server -o jsonpath='{.status.podIP}')

policy='{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "all", "namespace": "'$ns'"},
  "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{}]}}'

# run prints the milliseconds per request of N requests, each on a new connection.
# shellcheck disable=SC2016 # the script runs in the pod; only N and ip are the host's
run() {
  "$K" -n "$ns" exec client -- /bin/bash -c '
    s=${EPOCHREALTIME/./}
    for ((i = 0; i < '"$N"'; i++)); do
      exec 3<>/dev/tcp/'"$ip"'/8080 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && read -r line <&3 && exec 3>&- || { echo failed; exit 1; }
    done
    e=${EPOCHREALTIME/./}; printf "%d.%02d" $(((e - s) / '"$N"' / 1000)) $(((e - s) / '"$N"' % 1000 / 10))'
}

for r in $(seq 1 "$ROUNDS"); do
  echo "$policy" | "$K" apply -f - >/dev/null; sleep 2
  with=$(run)
  "$K" -n "$ns" delete networkpolicy all >/dev/null; sleep 2
  without=$(run)
  echo "round $r: $with ms per request with a policy (each new connection decided by the agent), $without ms without"
done

# The agent's own decision time, from its metrics (hack/realnode.sh serves them on the node).
curl -fsS 127.0.0.1:10347/metrics 2>/dev/null | awk '/^kube_network_policies_packet_process_duration_microseconds\{/ {
  sub(/.*quantile="/, ""); sub(/"\}/, ""); printf "agent decision time p%g: %d µs\n", $1 * 100, $2 }' || true
