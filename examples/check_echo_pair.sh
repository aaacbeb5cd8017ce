#!/usr/bin/env bash
# ctest for the echo pair: starts tcp_echo_server on a free port, runs tcp_echo_client
# against it, checks both programs' lines, then stops the server with Ctrl-C (SIGINT).
# Usage: check_echo_pair.sh SERVER CLIENT
set -euo pipefail
server=$1 client=$2
out=$(mktemp -d)
pid=""
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
source "$(dirname "$0")/start_server.sh"
start_server "$out/server" '^Serving on 127\.0\.0\.1:\([0-9]*\)$' "$server" 0
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
