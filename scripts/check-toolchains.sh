#!/bin/sh
# Builds asyncpp with -Wall -Wextra -Werror and runs its whole ctest suite on each
# toolchain of the tested matrix (README, "Toolchains"). Newer compilers and Boosts come
# from Debian's own archive: a root made with debootstrap per Debian suite, kept between
# runs, with one Boost version installed at a time (their -dev packages conflict).
#
#   sh scripts/check-toolchains.sh              every configuration below
#   sh scripts/check-toolchains.sh ci           what .ci/run runs: the sid configurations
#                                               below, library and tests only (the header
#                                               check is in the README's test command)
#   sh scripts/check-toolchains.sh NAME...      those configurations
#   sh scripts/check-toolchains.sh --list       their names
#
# A name is SUITE-COMPILER-BOOST[-VARIANT]: SUITE host (this Debian 12 machine), trixie or
# sid; COMPILER gccN, clangN or libcxx (clang with -stdlib=libc++: the library, the
# header check and tests/smoke.cpp, as Boost.Test and Program_options are built against
# libstdc++ there); VARIANT documented (-DASYNCPP_ASIO_INTERNALS=OFF) or sanitize
# (ASan+UBSan, Debug). Roots live in $ASYNCPP_TOOLCHAIN_CACHE (default
# ~/.cache/asyncpp-toolchains); build trees in ROOT/build/NAME, so reruns are incremental.
# Needs root (debootstrap, chroot, mount). Exits non-zero when any configuration failed,
# after trying them all.
set -eu
cd "$(dirname "$0")/.."
source_dir=$(pwd)
cache=${ASYNCPP_TOOLCHAIN_CACHE:-$HOME/.cache/asyncpp-toolchains}

all="host-gcc12-boost1.81 host-gcc12-boost1.81-documented
trixie-gcc14-boost1.83 trixie-clang19-boost1.83 trixie-gcc14-boost1.88 trixie-clang19-boost1.88
sid-gcc15-boost1.90 sid-gcc16-boost1.90 sid-clang22-boost1.90
sid-gcc15-boost1.92 sid-gcc16-boost1.92 sid-clang22-boost1.92 sid-libcxx-boost1.92
sid-gcc16-boost1.92-documented sid-gcc16-boost1.92-sanitize sid-clang22-boost1.92-sanitize"
ci="sid-gcc16-boost1.92 sid-clang22-boost1.92 sid-libcxx-boost1.92"

die() {
  echo "check-toolchains: $*" >&2
  exit 2
}

tests_only=0
case "${1:-}" in
--list)
  echo "$all"
  exit 0
  ;;
ci)
  tests_only=1
  set -- $ci
  ;;
"") set -- $all ;;
esac
for name in "$@"; do
  echo "$all" | tr ' ' '\n' | grep -qx "$name" || die "unknown configuration '$name' (--list names them)"
done
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mount)"

# The Debian mirror this machine's own apt sources name (never a hard-coded host).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
    -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' |
  grep -E '/debian/?$' | head -n 1)
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list*"

mounted=""
cleanup() {
  for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# A root of SUITE with the base tools, made once; its package lists refreshed once a run.
prepare_root() {
  suite=$1 root=$cache/$suite
  if [ ! -f "$root/.asyncpp-ready" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    mkdir -p "$cache"
    rm -rf "$root.tmp"
    echo "making the $suite root in $root (debootstrap from $mirror)"
    debootstrap --variant=minbase "$suite" "$root.tmp" "$mirror" >"$cache/$suite.debootstrap.log" 2>&1 ||
      die "debootstrap $suite failed: see $cache/$suite.debootstrap.log"
    mv "$root.tmp" "$root"
    touch "$root/.asyncpp-ready"
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  for m in proc dev; do
    if ! mountpoint -q "$root/$m"; then
      if [ $m = proc ]; then mount -t proc proc "$root/proc"; else mount --bind /dev "$root/dev"; fi
      mounted="$root/$m $mounted"
    fi
  done
  case " $updated " in
  *" $suite "*) ;;
  *)
    # The sid snapshot served here may carry an expired Release file.
    in_root "$root" apt-get -qq -o Acquire::Check-Valid-Until=false update >/dev/null
    updated="$updated $suite"
    ;;
  esac
}
updated=""

in_root() {
  r=$1
  shift
  chroot "$r" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# Where configuration NAME's output goes: ROOT/build/NAME.log, build-matrix/NAME.log on the host.
log_of() {
  case $1 in
  host-*) echo "$source_dir/build-matrix/$1.log" ;;
  *) echo "$cache/${1%%-*}/build/$1.log" ;;
  esac
}

# Runs one configuration; its output goes to the terminal and to its log (log_of).
check() {
  name=$1
  suite=${name%%-*} rest=${name#*-}
  compiler=${rest%%-*} rest=${rest#*-}
  boost=${rest%%-*} boost=${boost#boost}
  variant=""
  [ "$rest" = "boost$boost" ] || variant=${rest#*-}
  cmake_args="-G Ninja -DCMAKE_BUILD_TYPE=Release -DASYNCPP_WERROR=ON"
  case $compiler in
  gcc*) cxx=g++-${compiler#gcc} packages="g++-${compiler#gcc}" ;;
  clang*) cxx=clang++-${compiler#clang} packages="clang-${compiler#clang} g++" ;;
  libcxx)
    cxx=clang++-22 packages="clang-22 libc++-22-dev libc++abi-22-dev"
    cmake_args="$cmake_args -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++"
    cmake_args="$cmake_args -DASYNCPP_BOOST_TEST=OFF -DASYNCPP_BUILD_EXAMPLES=OFF -DASYNCPP_BUILD_TOOLS=OFF"
    ;;
  esac
  packages="$packages cmake ninja-build libssl-dev python3 libboost$boost-dev"
  [ $compiler = libcxx ] || packages="$packages libboost-test$boost-dev libboost-program-options$boost-dev"
  case $variant in
  documented) cmake_args="$cmake_args -DASYNCPP_ASIO_INTERNALS=OFF" ;;
  sanitize)
    cmake_args="$cmake_args -DCMAKE_BUILD_TYPE=Debug -DASYNCPP_SANITIZE=address,undefined -DASYNCPP_BUILD_EXAMPLES=OFF"
    # clang's sanitizer runtimes are a package of their own in Debian, and its reports
    # need llvm-symbolizer to name functions.
    case $compiler in clang*) packages="$packages libclang-rt-${compiler#clang}-dev llvm-${compiler#clang}" ;; esac
    ;;
  esac
  [ $tests_only = 0 ] ||
    cmake_args="$cmake_args -DASYNCPP_BUILD_EXAMPLES=OFF -DASYNCPP_BUILD_TOOLS=OFF -DASYNCPP_CHECK_HEADERS=OFF"
  ctest_env="ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1"
  case $compiler in clang*) ctest_env="$ctest_env ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-${compiler#clang}/bin/llvm-symbolizer" ;; esac
  steps="cmake -S \$src -B \$build $cmake_args -DCMAKE_CXX_COMPILER=$cxx >/dev/null &&
    cmake --build \$build -j2 && cd \$build && env $ctest_env ctest -j2 --output-on-failure"
  if [ "$suite" = host ]; then
    sh scripts/install-deps.sh >/dev/null
    mkdir -p build-matrix
    src=$source_dir build=$source_dir/build-matrix/$name sh -c "$steps" 2>&1 | tee "$(log_of "$name")"
    return
  fi
  prepare_root "$suite"
  root=$cache/$suite
  in_root "$root" apt-get install -y -qq --no-install-recommends $packages >/dev/null
  # The work tree as it is now (committed or not), with its files' times, so a rebuild
  # compiles only what changed since the last run.
  rm -rf "$root/src"
  mkdir -p "$root/src" "$root/build"
  git ls-files -co --exclude-standard | while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
    tar -cf - -T - | tar -xf - -C "$root/src"
  in_root "$root" env src=/src build=/build/$name sh -c "$steps" 2>&1 | tee "$(log_of "$name")"
}

failed=""
for name in "$@"; do
  echo "=== $name"
  # set -e does not reach into a function called in a condition: the pipeline's status
  # (tee's) is not the build's, so the log's summary tells (an earlier run's log goes first).
  log=$(log_of "$name")
  rm -f "$log"
  check "$name" || true
  if grep -q "^100% tests passed" "$log" 2>/dev/null; then
    echo "--- $name: passed ($(sed -n 's/.*tests failed out of \([0-9]*\).*/\1 tests/p' "$log" | tail -n 1))"
  else
    echo "--- $name: FAILED (log: $log)"
    failed="$failed $name"
  fi
done
if [ -n "$failed" ]; then
  echo "check-toolchains: failed:$failed"
  exit 1
fi
echo "check-toolchains: all passed: $*"
