#!/bin/sh
# Installs what building asyncpp needs on Debian 12, and only what is missing.
# Boost comes from Debian's 1.81 packages (the default 1.74 is too old).
set -eu
packages="g++ cmake ninja-build libboost1.81-dev libboost-test1.81-dev libboost-program-options1.81-dev libboost1.81-tools-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
