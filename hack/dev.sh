#!/usr/bin/env bash
# `make dev`: the whole product on this machine. Uses the cluster KUBECONFIG points at when it
# answers, else starts the local KWOK cluster; Redis when it can, else the in-process event log;
# then builds and starts every function on its own loopback port, like Knative would run them.
# Ctrl-C stops the functions (the cluster and Redis stay up for the next run; see make cluster-down).
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh

# name:port — the root file function (web) serves the UI and tells it where the others are.
FUNCTIONS=(web:8080 createenv:8081 listenvs:8082 deleteenv:8083 updateenv:8084 alertsource:8085 alerthandler:8086 reaper:8087)
HOST=127.0.0.1
LOGS="$STATE_DIR/logs"
BIN="$CACHE_ROOT/devbin"
mkdir -p "$LOGS" "$BIN"

if [ -n "${KUBECONFIG:-}" ] && "$BIN_K8S/kubectl" get --raw=/readyz >/dev/null 2>&1; then
  log "using the cluster in KUBECONFIG=$KUBECONFIG"
else
  hack/cluster.sh up
  export KUBECONFIG="$KUBECONFIG_LOCAL"
fi

if [ -z "${DEVENVS_REDIS_URL:-}" ]; then
  if DEVENVS_REDIS_URL=$(hack/redis.sh up 2>/dev/null); then
    log "event log in Redis at $DEVENVS_REDIS_URL"
  else
    DEVENVS_REDIS_URL=""
    log "no Redis: using the in-process event log"
  fi
fi
export DEVENVS_REDIS_URL

# Teams' namespaces, ResourceQuotas and PriorityClasses from the configuration.
GOFLAGS=-mod=mod go run ./cmd/devenvs-admin apply-teams ${DEVENVS_CONFIG:+--config "$DEVENVS_CONFIG"}

urls=()
for f in "${FUNCTIONS[@]}"; do urls+=("${f%%:*}=http://$HOST:${f##*:}"); done
export DEVENVS_FUNCTION_URLS=$(IFS=,; echo "${urls[*]}")
export DEVENVS_ALLOWED_ORIGINS="http://$HOST:8080,http://localhost:8080"
export DEVENVS_DEV_TOKENS=true   # accepts the well-known local token; never set in a cluster
export DEVENVS_ALERTSOURCE_TOKEN=${DEVENVS_ALERTSOURCE_TOKEN:-devenvs-local-alertsource-token}
export K_SINK="http://$HOST:8086"   # the event source delivers straight to the alert handler

log "building functions"
names=(); for f in "${FUNCTIONS[@]}"; do names+=("./cmd/${f%%:*}"); done
GOFLAGS=-mod=mod go build -o "$BIN/" "${names[@]}"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; log "functions stopped"; }
trap cleanup EXIT INT TERM
for f in "${FUNCTIONS[@]}"; do
  name=${f%%:*} port=${f##*:}
  LISTEN_ADDRESS="$HOST:$port" "$BIN/$name" >"$LOGS/$name.log" 2>&1 &
  pids+=($!)
done
for f in "${FUNCTIONS[@]}"; do
  name=${f%%:*} port=${f##*:}
  for _ in $(seq 1 100); do
    curl -fsS "http://$HOST:$port/health/readiness" >/dev/null 2>&1 && break
    sleep 0.1
  done || true
  curl -fsS "http://$HOST:$port/health/readiness" >/dev/null 2>&1 || die "$name did not become ready; see $LOGS/$name.log"
  printf '  %-13s http://%s:%s\n' "$name" "$HOST" "$port" >&2
done

cat >&2 <<MSG

devenvs is running. Open http://$HOST:8080 and sign in with the local token:

    devenvs-local-dev-token

(user "dev", teams alpha and beta; logs in $LOGS). Press Ctrl-C to stop.
MSG
wait
