#!/usr/bin/env bash
# Installs the `cors` tool as PREFIX/bin/cors: a release build with the Swift runtime and Foundation
# linked in statically, so it runs without this build folder and without a Swift toolchain.
#   Scripts/install.sh            PREFIX: /usr/local when run as root, else ~/.local
#   Scripts/install.sh /opt/cors  any other prefix (made if missing)
# The build goes to INSTALL_SCRATCH_PATH (default .build, whose release folder `swift build` leaves
# alone). INSTALL_CONFIGURATION=debug links the debug build instead: the same static linking and
# the same copy, but on top of what `swift build`/`swift test` built (about a minute, where a cold
# release build takes 20-odd minutes on two busy cores); CI checks the script that way, as the last
# use of its .build. Not for everyday use: the objects of every module that imports Foundation
# (swift-cors' own and Hummingbird's) are then compiled for static linking, and SwiftPM does not
# recompile them for the next plain build, whose link fails ("cannot find -lCoreFoundation") until
# they are; the script prints the command that makes them stale (`remedy`, then under a minute).
set -euo pipefail

if [ $# -gt 1 ]; then echo "usage: Scripts/install.sh [PREFIX]" >&2; exit 2; fi
if [ $# -eq 1 ]; then
  prefix=$1
elif [ "$(id -u)" -eq 0 ]; then
  prefix=/usr/local
else
  prefix=$HOME/.local
fi
mkdir -p "$prefix/bin"
prefix=$(cd "$prefix" && pwd)   # a relative PREFIX means from where the script was run

cd "$(dirname "$0")/.."
configuration=${INSTALL_CONFIGURATION:-release}
case "$configuration" in
  release | debug) ;;
  *) echo "INSTALL_CONFIGURATION is release or debug, not $configuration" >&2; exit 2 ;;
esac
build=(swift build -c "$configuration" --static-swift-stdlib --product cors)
if [ -n "${INSTALL_SCRATCH_PATH:-}" ]; then build+=(--scratch-path "$INSTALL_SCRATCH_PATH"); fi
echo "== ${build[*]}"
start=$(date +%s)
"${build[@]}"
echo "== built in $(( $(date +%s) - start ))s"
binary=$("${build[@]}" --show-bin-path)/cors

install -m 0755 "$binary" "$prefix/bin/cors.new"
mv -f "$prefix/bin/cors.new" "$prefix/bin/cors"
"$prefix/bin/cors" --help >/dev/null
echo "installed $prefix/bin/cors"
remedy="find Sources .build/checkouts/hummingbird/Sources -name '*.swift' -exec touch {} +"
if [ "$configuration" = debug ] && [ -z "${INSTALL_SCRATCH_PATH:-}" ]; then
  echo "note: .build's debug objects are now linked statically; before the next swift build or swift run:"
  echo "      $remedy"
fi
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it, or run $prefix/bin/cors" ;;
esac
