#!/usr/bin/env bash
# ctest for multi_loop_server: 3 loops on one free port; 30 clients (bash's /dev/tcp) each
# get their line echoed; Ctrl-C stops every loop; the loops' counts add up to 30.
# Usage: check_multi_loop.sh MULTI_LOOP_SERVER
set -euo pipefail
server=$1
out=$(mktemp -d)
pid=""
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
source "$(dirname "$0")/start_server.sh"
start_server "$out/server" '^3 loops serving on 127\.0\.0\.1:\([0-9]*\)$' "$server" 3 0
for i in $(seq 30); do
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  echo "client $i" >&3
  IFS= read -r -t 10 line <&3
  [ "$line" = "client $i" ] || { echo "client $i read '$line'"; exit 1; }
  exec 3>&-
done
kill -INT "$pid"
wait "$pid"
grep -q '^served 30 connections$' "$out/server" || { echo "server printed:"; cat "$out/server"; exit 1; }
cat "$out/server"
echo "multi loop ok"
