# Sourced by the examples' ctest scripts and the tools' echo scripts (bash or POSIX sh).
# start_server LOG PORT_REGEX COMMAND...: runs COMMAND in the background (with job control,
# so that it gets SIGINT: a background job of a script would otherwise ignore it, and
# asyncpp::run, like Python, leaves an ignored SIGINT alone), then waits until LOG has the
# line PORT_REGEX matches; sets $pid and $port (the regex's first group).
start_server() {
  local log=$1 regex=$2
  shift 2
  set -m
  "$@" >"$log" 2>&1 &
  pid=$!
  set +m
  port=""
  for _ in $(seq 100); do
    port=$(sed -n "s/$regex/\\1/p" "$log")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "server did not start:"
  cat "$log"
  exit 1
}
