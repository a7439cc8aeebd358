#!/usr/bin/env bash
# `make dev`: the whole product on this machine. Uses the cluster KUBECONFIG points at when it
# answers, else starts the local KWOK cluster; Redis when it can, else the in-process event log;
# then builds and starts every function on its own loopback port, like Knative would run them.
# Ctrl-C stops the functions (the cluster and Redis stay up for the next run; see make cluster-down).
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh

# Each function gets the next port from DEVENVS_PORT_BASE; the root file function (web)
# serves the UI and tells it where the others are.
NAMES=(web createenv listenvs deleteenv updateenv alertsource alerthandler reaper)
PORT_BASE=${DEVENVS_PORT_BASE:-8080}
FUNCTIONS=()
for i in "${!NAMES[@]}"; do FUNCTIONS+=("${NAMES[$i]}:$((PORT_BASE + i))"); done
HOST=127.0.0.1
for f in "${FUNCTIONS[@]}"; do
  if (exec 3<>"/dev/tcp/$HOST/${f##*:}") 2>/dev/null; then
    die "port ${f##*:} (for ${f%%:*}) is in use; stop what listens there or set DEVENVS_PORT_BASE"
  fi
done
hack/packages.sh dev
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
go run ./cmd/devenvs-admin apply-teams ${DEVENVS_CONFIG:+--config "$DEVENVS_CONFIG"}

urls=()
for f in "${FUNCTIONS[@]}"; do urls+=("${f%%:*}=http://$HOST:${f##*:}"); done
DEVENVS_FUNCTION_URLS=$(IFS=,; echo "${urls[*]}")
export DEVENVS_FUNCTION_URLS
export DEVENVS_ALLOWED_ORIGINS="http://$HOST:$PORT_BASE,http://localhost:$PORT_BASE"
export DEVENVS_DEV_TOKENS=true   # accepts the well-known local token; never set in a cluster
export DEVENVS_ALERTSOURCE_TOKEN=${DEVENVS_ALERTSOURCE_TOKEN:-devenvs-local-alertsource-token}
# The shared secret the alert handler and reaper check on every event; the event source signs
# its events with it (shared/eventfn/token.go).
export DEVENVS_EVENT_TOKEN=${DEVENVS_EVENT_TOKEN:-devenvs-local-event-secret}
export K_SINK="http://$HOST:$((PORT_BASE + 6))"   # the event source delivers straight to the alert handler

# The SSH gateway (cmd/sshgateway) on a loopback port, with a host key kept in the state
# directory so its known_hosts line stays the same across runs. Every function learns its
# address and key from these variables, so the UI shows `ssh -J <env>.<team>@127.0.0.1:2222 ...`.
SSH_PORT=${DEVENVS_SSH_GATEWAY_PORT:-2222}
if (exec 3<>"/dev/tcp/$HOST/$SSH_PORT") 2>/dev/null; then
  die "port $SSH_PORT (for the SSH gateway) is in use; stop what listens there or set DEVENVS_SSH_GATEWAY_PORT"
fi
HOST_KEY="$STATE_DIR/sshgateway_host_key"
[ -f "$HOST_KEY" ] || ssh-keygen -q -t ed25519 -N "" -C devenvs-sshgateway -f "$HOST_KEY"
export DEVENVS_SSH_GATEWAY_HOST=$HOST DEVENVS_SSH_GATEWAY_PORT=$SSH_PORT

log "building functions"
names=(); for f in "${FUNCTIONS[@]}"; do names+=("./cmd/${f%%:*}"); done
go build -o "$BIN/" "${names[@]}" ./cmd/sshgateway

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; log "functions stopped"; }
trap cleanup EXIT INT TERM
for f in "${FUNCTIONS[@]}"; do
  name=${f%%:*} port=${f##*:}
  LISTEN_ADDRESS="$HOST:$port" "$BIN/$name" >"$LOGS/$name.log" 2>&1 &
  pids+=($!)
done
DEVENVS_SSH_LISTEN="$HOST:$SSH_PORT" DEVENVS_HTTP_LISTEN="$HOST:$((PORT_BASE + ${#NAMES[@]}))" \
  DEVENVS_SSH_HOST_KEY="$HOST_KEY" "$BIN/sshgateway" >"$LOGS/sshgateway.log" 2>&1 &
pids+=($!)
for f in "${FUNCTIONS[@]}" "sshgateway-http:$((PORT_BASE + ${#NAMES[@]}))"; do
  name=${f%%:*} port=${f##*:}
  for _ in $(seq 1 100); do
    curl -fsS "http://$HOST:$port/health/readiness" >/dev/null 2>&1 && break
    sleep 0.1
  done || true
  curl -fsS "http://$HOST:$port/health/readiness" >/dev/null 2>&1 || die "$name did not become ready; see $LOGS/$name.log"
  [ "$name" = sshgateway-http ] || printf '  %-13s http://%s:%s\n' "$name" "$HOST" "$port" >&2
done
printf '  %-13s ssh -J <env>.<team>@%s:%s dev@<env>.<team>\n' sshgateway "$HOST" "$SSH_PORT" >&2

cat >&2 <<MSG

devenvs is running. Open http://$HOST:$PORT_BASE and sign in with the local token:

    devenvs-local-dev-token

(user "dev", teams alpha and beta; logs in $LOGS). Press Ctrl-C to stop.
MSG
wait
