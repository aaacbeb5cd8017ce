#!/bin/sh
# Installs what building asyncpp needs on Debian 12, and only what is missing.
# Boost comes from Debian's 1.81 packages (the default 1.74 is too old).
# OpenSSL (libssl-dev) is for TLS streams.
#   sh scripts/install-deps.sh            compiler, CMake, Ninja, Boost 1.81 (and b2)
#   sh scripts/install-deps.sh packaging  also pkg-config and the pinned Conan 2
#   sh scripts/install-deps.sh bench      also ApacheBench (tools/bench/ab_echo.sh)
set -eu
conan_version=2.34.0
packages="g++ cmake ninja-build libboost1.81-dev libboost-test1.81-dev libboost-program-options1.81-dev libboost1.81-tools-dev libssl-dev"
[ "${1:-}" = packaging ] && packages="$packages pkg-config"
[ "${1:-}" = bench ] && packages="$packages apache2-utils"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "${1:-}" = packaging ] && [ "$(python3 -m conans.conan --version 2>/dev/null)" != "Conan version $conan_version" ]; then
  python3 -m pip install -q "conan==$conan_version"
fi
