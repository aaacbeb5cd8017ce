#!/bin/sh
# Installs asyncpp by every supported route into ./build-packages and builds and runs a
# small consumer outside the source tree against each: CMake package (static and shared),
# add_subdirectory, pkg-config, b2 install, and Conan 2 (offline, system Boost).
# These are the commands of the README's "Installing" section.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/build-packages
consumers=$root/tests/consumers
rm -rf "$out"
mkdir -p "$out"
step() { echo; echo "--- $1"; }

# install_and_consume NAME [CMAKE OPTIONS...]: CMake install to $out/NAME, then a
# find_package consumer built and run against it.
install_and_consume() {
  name=$1
  shift
  cmake -S . -B "$out/build-$name" -G Ninja -DCMAKE_BUILD_TYPE=Release -DASYNCPP_BUILD_TESTS=OFF \
    -DASYNCPP_BUILD_EXAMPLES=OFF -DASYNCPP_BUILD_TOOLS=OFF -DCMAKE_INSTALL_PREFIX="$out/$name" "$@" >/dev/null
  cmake --build "$out/build-$name" -j2
  cmake --install "$out/build-$name" >/dev/null
  cmake -S "$consumers/cmake_install" -B "$out/consumer-$name" -G Ninja -DCMAKE_PREFIX_PATH="$out/$name" >/dev/null
  cmake --build "$out/consumer-$name"
  "$out/consumer-$name/consumer"
}

step "CMake: install (static) and find_package"
install_and_consume static

step "CMake: install (shared, BUILD_SHARED_LIBS=ON) and find_package"
install_and_consume shared -DBUILD_SHARED_LIBS=ON

step "CMake: add_subdirectory"
cmake -S "$consumers/cmake_subdir" -B "$out/consumer-subdir" -G Ninja >/dev/null
cmake --build "$out/consumer-subdir" -j2
"$out/consumer-subdir/consumer"

step "pkg-config"
PKG_CONFIG_PATH="$out/static/lib/pkgconfig" pkg-config --modversion asyncpp
g++ "$consumers/consumer.cpp" -o "$out/consumer-pkgconfig" \
  $(PKG_CONFIG_PATH="$out/static/lib/pkgconfig" pkg-config --cflags --libs asyncpp)
"$out/consumer-pkgconfig"

step "b2: install and a b2 consumer"
b2 -j2 install --prefix="$out/b2" 2>&1 | grep -v '^warning: ' | tail -n 1
# The consumer builds in a copy, so that its bin/ stays out of the source tree.
cp -r "$consumers" "$out/b2-consumer"
(cd "$out/b2-consumer/b2_install" && ASYNCPP_PREFIX="$out/b2" b2 -j2 >"$out/b2-consumer.log" 2>&1) ||
  { cat "$out/b2-consumer.log"; exit 1; }
grep '^\*\*passed\*\*' "$out/b2-consumer.log"

step "Conan 2: conan create with Boost and OpenSSL from the system, no remote"
conan() { python3 -m conans.conan "$@"; } # pip's script directory need not be on PATH
export CONAN_HOME="$out/conan-home"
conan profile detect >/dev/null 2>&1
conan remote remove conancenter >/dev/null 2>&1 || true
# OpenSSL from the system too (libssl-dev): its version as Debian has it, e.g. 3.0.19.
openssl_version=$(dpkg-query -W -f='${Version}' libssl-dev | sed 's/-.*//')
cat > "$out/system-boost.profile" <<PROFILE
include(default)
[settings]
compiler.cppstd=20
[platform_requires]
boost/1.81.0
openssl/$openssl_version
PROFILE
conan create . -pr:h "$out/system-boost.profile" -pr:b "$out/system-boost.profile" --build=missing \
  >"$out/conan.log" 2>&1 || { tail -n 40 "$out/conan.log"; echo "conan create failed"; exit 1; }
grep -E 'test_package: [0-9]+' "$out/conan.log"
echo
echo "all package consumers built and ran"
