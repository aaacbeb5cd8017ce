#!/usr/bin/env bash
# ctest for line_chat: two clients (bash's /dev/tcp) on a free port; what one says reaches
# the other with its address; Ctrl-C tells both and closes them; the server exits cleanly.
# Usage: check_line_chat.sh LINE_CHAT
set -euo pipefail
chat=$1
out=$(mktemp -d)
pid=""
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
source "$(dirname "$0")/start_server.sh"
start_server "$out/server" '^chat on 127\.0\.0\.1:\([0-9]*\)$' "$chat" 0
exec 3<>"/dev/tcp/127.0.0.1/$port" 4<>"/dev/tcp/127.0.0.1/$port"
for _ in $(seq 100); do
  [ "$(grep -c ' joined$' "$out/server")" = 2 ] && break
  sleep 0.05
done
echo "hello from three" >&3
IFS= read -r -t 10 line <&4
case $line in
  "[127.0.0.1:"*"] hello from three") ;;
  *) echo "client 4 read: '$line'"; exit 1 ;;
esac
kill -INT "$pid"
IFS= read -r -t 10 bye3 <&3
IFS= read -r -t 10 bye4 <&4
[ "$bye3" = "server shutting down" ] && [ "$bye4" = "server shutting down" ] ||
  { echo "goodbyes: '$bye3' '$bye4'"; exit 1; }
wait "$pid"
grep -q '^bye$' "$out/server" || { echo "server printed:"; cat "$out/server"; exit 1; }
echo "line chat ok"
