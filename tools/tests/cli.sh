#!/bin/sh
# Argument handling of the drivers: help exits 0; bad input prints one line and exits 2.
#   sh cli.sh path/to/asyncpp-demo path/to/asyncpp-bench
set -u
demo=$1
bench=$2
failures=0
passes=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

expect() { # expect CODE LINES command...   (LINES: stderr lines expected, - for any)
  code=$1 lines=$2
  shift 2
  "$@" >/dev/null 2>"$err"
  got=$?
  n=$(wc -l <"$err")
  if [ "$got" -ne "$code" ] || { [ "$lines" != - ] && [ "$n" -ne "$lines" ]; }; then
    echo "FAIL: $* -> exit $got (want $code), $n stderr lines (want $lines)"
    cat "$err"
    failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
}

expect 0 0 "$demo" --help
expect 0 0 "$demo" echo-client --help
expect 2 - "$demo"
expect 2 1 "$demo" no-such-command
expect 2 1 "$demo" gather --no-such-option
expect 2 1 "$demo" echo-client
expect 2 1 "$demo" echo-client --port 7 --host 192.0.2.1
expect 2 1 "$demo" echo-client --port 7 --connections 0
expect 2 1 "$demo" echo-client --port 7 --seconds -1
expect 2 1 "$demo" echo-client --port 7 --size 0
expect 2 1 "$demo" echo-client --port notaport
expect 2 1 "$demo" echo-server --host not-an-address
expect 2 1 "$demo" echo-server --port -1
expect 2 1 "$demo" echo-server --unix /tmp/asyncpp-cli-check.sock --tls
expect 2 1 "$demo" echo-client --unix /tmp/asyncpp-cli-check.sock --tls
expect 2 1 "$demo" echo-server --port 65536
expect 2 1 "$demo" echo-server --seconds nan
expect 2 1 "$demo" echo-server --seconds -1
expect 2 1 "$demo" echo-server --loops 0
expect 2 1 "$demo" echo-server --loops 65
expect 2 1 "$demo" echo-server --loops 2 --unix /tmp/asyncpp-cli-check.sock
expect 2 1 "$demo" echo-client --port -1
expect 2 1 "$demo" echo-client --port 7 --connections -1
expect 2 1 "$demo" echo-client --port 7 --size -1
expect 2 1 "$demo" echo-client --port 7 --seconds nan
for command in hello low-level gather executor echo-server; do
  expect 2 1 "$demo" $command extra-arg
done
expect 2 1 "$demo" echo-client --port 7 extra-arg
expect 0 0 "$demo" run --help
expect 2 1 "$demo" run
expect 2 1 "$demo" run --
expect 2 1 "$demo" run stray -- true
expect 2 1 "$demo" run -- asyncpp-no-such-program
expect 0 0 "$demo" run -- true

# run: the child's output passes through, its exit code too (128+N for signal N).
check_run() { # check_run WANT_CODE WANT_STDOUT WANT_STDERR COMMAND...
  want_code=$1 want_out=$2 want_err=$3
  shift 3
  got_out=$("$demo" run -- "$@" 2>"$err")
  got=$?
  if [ "$got" -ne "$want_code" ] || [ "$got_out" != "$want_out" ] || [ "$(cat "$err")" != "$want_err" ]; then
    echo "FAIL: run -- $* -> exit $got (want $want_code), stdout '$got_out', stderr '$(cat "$err")'"
    failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
}
check_run 3 "out" "err" sh -c 'echo out; echo err >&2; exit 3'
check_run 143 "" "" sh -c 'kill -TERM $$'
check_run 0 "a b||c|" "" printf '%s|' "a b" "" "c"

expect 0 0 "$bench" --help
expect 2 1 "$bench" --rounds 0
expect 2 1 "$bench" --workloads spawn_gather,nope
expect 2 1 "$bench" --scale -1
expect 2 1 "$bench" --echo-seconds 0
expect 2 1 "$bench" --no-such-option
expect 2 1 "$bench" --rounds -1
expect 2 1 "$bench" --rounds 1001
expect 2 1 "$bench" --scale nan
expect 2 1 "$bench" --echo-seconds nan
expect 2 1 "$bench" extra-arg
expect 2 1 "$bench" --pin=yes
expect 2 1 "$bench" --serve nope
expect 2 1 "$bench" --serve asio --port 65536

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
