# Sourced by the tools' scripts. wait_listening LOG: waits up to 5 s for a server's
# "listening on ADDRESS..." line in LOG and prints ADDRESS (host:port or a path); prints
# nothing if the line never came.
wait_listening() {
  _address=""
  for _ in $(seq 1 50); do
    _address=$(sed -n 's/^listening on \([^ ]*\).*$/\1/p' "$1")
    [ -n "$_address" ] && break
    sleep 0.1
  done
  echo "$_address"
}
