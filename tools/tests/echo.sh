#!/bin/sh
# The echo pair end to end on loopback: a short client run against the server, then
# Ctrl-C (SIGINT) stops the server cleanly.
#   sh echo.sh path/to/asyncpp-demo
set -eu
demo=$1
log=$(mktemp)
trap 'rm -f "$log"; kill "$server" 2>/dev/null || true' EXIT
"$demo" echo-server --port 0 --seconds 60 >"$log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 50); do
  port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start"; cat "$log"; exit 1; }
out=$("$demo" echo-client --port "$port" --connections 4 --seconds 0.5 --size 512)
echo "$out"
echo "$out" | grep -Eq '^[0-9]+ requests in [0-9.]+ s: [0-9]+ req/s; latency us p50 [0-9]+'
kill -INT "$server"
wait "$server"
cat "$log"
grep -q '^interrupted; served 4 connections$' "$log"
echo "1 passed, 0 failed"
