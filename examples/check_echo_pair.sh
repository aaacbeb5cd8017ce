#!/usr/bin/env bash
# ctest for the echo pair: starts tcp_echo_server on a free port, runs tcp_echo_client
# against it, checks both programs' lines, then stops the server with Ctrl-C (SIGINT).
# Usage: check_echo_pair.sh SERVER CLIENT
set -euo pipefail
server=$1 client=$2
out=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
# Job control on: a background job of a script would otherwise ignore SIGINT, and
# asyncpp::run(), like Python, leaves an ignored SIGINT alone.
set -m
"$server" 0 >"$out/server" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q '^Serving on ' "$out/server" && break
  sleep 0.05
done
port=$(sed -n 's/^Serving on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out/server")
[ -n "$port" ] || { echo "server did not start:"; cat "$out/server"; exit 1; }
"$client" "$port" >"$out/client"
expected_client="Send: 'Hello World!'
Received: 'Hello World!'
Close the connection"
[ "$(cat "$out/client")" = "$expected_client" ] || { echo "client printed:"; cat "$out/client"; exit 1; }
kill -INT "$pid"
wait "$pid" || { echo "server exit status $?"; cat "$out/server"; exit 1; }
grep -q "^Received 'Hello World!' from 127\.0\.0\.1:[0-9]*$" "$out/server" &&
  grep -q "^Send: 'Hello World!'$" "$out/server" && grep -q '^Close the connection$' "$out/server" &&
  grep -q '^Stopped$' "$out/server" || { echo "server printed:"; cat "$out/server"; exit 1; }
echo "echo pair ok (port $port)"
