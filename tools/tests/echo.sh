#!/usr/bin/env bash
# The echo pair end to end on loopback, over TCP, TLS, a unix socket and three loops
# sharing a port: a short client run against the server (over TCP, a second one while
# SIGUSR1 makes the server print its task table), then Ctrl-C (SIGINT) stops the server
# cleanly. With asyncpp-bench given too, its --serve servers (the ones ab drives)
# take the same client.
#   bash echo.sh path/to/asyncpp-demo [path/to/asyncpp-bench] [tcp|tls|unix|loops|serve-asyncpp|serve-asio ...]
set -eu
. "$(dirname "$0")/../../examples/start_server.sh"
demo=$1
shift
bench=""
case ${1:-} in */*) bench=$1; shift ;; esac
default_modes="tcp tls unix loops"
[ -n "$bench" ] && default_modes="$default_modes serve-asyncpp serve-asio"
modes=${*:-$default_modes}
log=$(mktemp)
sock=$(mktemp -u /tmp/asyncpp-echo-XXXXXX.sock)
server=""
trap 'rm -f "$log" "$sock"; [ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT
passed=0
for mode in $modes; do
  case $mode in
    tcp) server_args="--port 0"; client_args="" ;;
    tls) server_args="--port 0 --tls"; client_args="--tls" ;;
    unix) server_args="--unix $sock"; client_args="--unix $sock" ;;
    loops) server_args="--port 0 --loops 3"; client_args="" ;;
    serve-*) server_args=""; client_args="" ;;
    *) echo "unknown mode $mode"; exit 2 ;;
  esac
  listening='^listening on \([^ ]*\).*$' # the address: host:port, or the socket's path
  case $mode in
    serve-*) start_server "$log" "$listening" "$bench" --serve "${mode#serve-}" ;;
    *) start_server "$log" "$listening" "$demo" echo-server $server_args --seconds 60 ;;
  esac
  server=$pid address=$port
  [ "$mode" = unix ] || client_args="$client_args --port ${address##*:}"
  out=$("$demo" echo-client $client_args --connections 4 --seconds 0.5 --size 512)
  echo "$mode: $out"
  echo "$out" | grep -Eq '^[0-9]+ requests in [0-9.]+ s: [0-9]+ req/s; latency us p50 [0-9]+'
  if [ "$mode" = tcp ]; then # a live dump of the tasks on SIGUSR1, while clients are connected
    "$demo" echo-client $client_args --connections 2 --seconds 1 --size 64 >/dev/null &
    client=$!
    sleep 0.3
    kill -USR1 "$server"
    wait "$client"
    grep -q 'unfinished task(s)$' "$log" && grep -q 'sleep(60s) at main.cpp:' "$log" ||
      { echo "tcp: no task table on SIGUSR1:"; cat "$log"; exit 1; }
  fi
  kill -INT "$server"
  wait "$server"
  server=""
  case $mode in
    serve-*) expected='^served [0-9.]+ s, server CPU [0-9.]+ s$' ;;
    tcp) expected='^interrupted; served 6 connections$' ;;
    *) expected='^interrupted; served 4 connections$' ;;
  esac
  grep -Eq "$expected" "$log" || { echo "$mode: server printed:"; cat "$log"; exit 1; }
  if [ "$mode" = loops ]; then # every loop reports; the kernel chose who served what
    [ "$(grep -c '^loop [0-2] served [0-4] connections$' "$log")" = 3 ] || { echo "loops: server printed:"; cat "$log"; exit 1; }
  fi
  passed=$((passed + 1))
done
echo "$passed passed, 0 failed"
