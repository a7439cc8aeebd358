#!/usr/bin/env bash
# A local redis-server on a non-default loopback port for the event log and tests.
#
#   hack/redis.sh up     # install the Debian package when missing, start, wait for PING
#   hack/redis.sh down   # stop the server this script started
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/lib.sh

PIDFILE="$STATE_DIR/redis.pid"
URL="redis://127.0.0.1:$REDIS_PORT/0"

ping() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

up() {
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server (Debian package)"
    [ "$(id -u)" = 0 ] || die "redis-server is missing; run: sudo apt-get install -y redis-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p "$STATE_DIR"
  if ping; then log "reusing Redis at $URL"; echo "$URL"; return; fi
  # No persistence: this is a scratch server for development and tests.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$PIDFILE" --logfile "$STATE_DIR/redis.log" --dir "$STATE_DIR"
  for _ in $(seq 1 50); do ping && { log "Redis ready at $URL"; echo "$URL"; return; }; sleep 0.1; done
  die "redis-server did not answer PING; see $STATE_DIR/redis.log"
}

down() {
  if [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null; then
    rm -f "$PIDFILE"; log "Redis stopped"
  else
    log "no Redis started by devenvs; nothing to stop"
  fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
