#!/bin/bash
# Runs task_dump and checks its task table: every task, what each waits on and where.
#   check_task_dump.sh path/to/task_dump
set -u
out=$("$1") || { echo "FAIL: exit $?"; echo "$out"; exit 1; }
echo "$out"
failures=0
expect() { # expect REGEX: some line of the table matches
  grep -qE -- "$1" <<<"$out" || { echo "FAIL: no line matches: $1"; failures=$((failures + 1)); }
}
expect '^8 unfinished task\(s\)$'
expect "^ *1 +Task-1 +running +task_dump.cpp:[0-9]+$"
expect "report-writer +waiting +sleep\(30s\) at task_dump.cpp:[0-9]+ +task_dump.cpp:[0-9]+$"
expect "client-hello +waiting +stream_reader.read\(\) at task_dump.cpp:[0-9]+"
expect "client-report +waiting +stream_reader.readline\(\) at task_dump.cpp:[0-9]+"
expect "127.0.0.1:[0-9]+ +waiting +lock.scoped\(\) at task_dump.cpp:[0-9]+ +task_dump.cpp:[0-9]+$"
expect "^who awaits whom:$"
expect "^├── 'client-hello' \(#3\) waiting: stream_reader.read\(\) at task_dump.cpp:[0-9]+$"
expect "^└── 'client-ping' \(#5\)"
expect "^answer: report done$"
[ "$failures" = 0 ] && echo "task dump ok"
