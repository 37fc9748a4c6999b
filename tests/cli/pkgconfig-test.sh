#!/bin/sh
# libk210sock as installed: cmake --install (the client component) into a
# DESTDIR, then pkg-config finds it (PKG_CONFIG_SYSROOT_DIR), a small program
# builds against the shared and the static library and runs, the shared
# library has its SONAME and exports only the k210sock_* API.
# Usage: pkgconfig-test.sh BUILD_DIR [CC [CFLAGS]]
set -eu

build=$1 cc=${2:-cc} cflags=${3:-}
dir=$(mktemp -d /tmp/k210sock-pc.XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
root=$dir/root

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

DESTDIR=$root cmake --install "$build" --prefix /usr --component client >"$dir/install.log" 2>&1 ||
	{ cat "$dir/install.log" >&2; fail "cmake --install failed"; }
pc=$(find "$root" -name k210sock.pc)
[ -n "$pc" ] || fail "k210sock.pc is not installed"
libdir=$(dirname "$(dirname "$pc")")
[ -x "$root/usr/bin/k210sock" ] || fail "k210sock is not installed in /usr/bin"
[ -f "$root/usr/include/k210sock.h" ] || fail "k210sock.h is not installed"
grep -qx 'prefix=/usr' "$pc" || fail "k210sock.pc: prefix is not the install prefix: $(grep ^prefix= "$pc")"

export PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs k210sock) || fail "pkg-config does not know k210sock"
echo "pkg-config --cflags --libs k210sock: $flags"
pkg-config --modversion k210sock | grep -qx '[0-9]*\.[0-9]*\.[0-9]*' || fail "no version"

cat >"$dir/client.c" <<'PROG'
#include <errno.h>
#include <stdio.h>
#include <k210sock.h>

int main(void)
{
	k210sock *h = k210sock_open("/nonexistent/k210sockd.sock");

	if (h || errno != ENOENT) {
		fprintf(stderr, "k210sock_open: unexpected %s\n", h ? "handle" : "errno");
		return 1;
	}
	printf("libk210sock answers\n");
	return 0;
}
PROG
# shellcheck disable=SC2086 # the flags are words
"$cc" $cflags -Wall -Werror -o "$dir/client" "$dir/client.c" $flags ||
	fail "building against the shared library"
LD_LIBRARY_PATH=$libdir "$dir/client" || fail "the program built against the shared library fails"
# shellcheck disable=SC2046,SC2086
"$cc" $cflags -Wall -Werror -o "$dir/client-static" "$dir/client.c" $(pkg-config --cflags k210sock) \
	"$libdir/libk210sock.a" || fail "building against the static library"
"$dir/client-static" || fail "the program built against the static library fails"

so=$(readlink -f "$libdir/libk210sock.so")
objdump -p "$so" | grep -q 'SONAME *libk210sock.so.0$' || fail "SONAME is not libk210sock.so.0"
[ -e "$libdir/libk210sock.so.0" ] || fail "libk210sock.so.0 is not installed"
# A coverage-instrumented build (K210_FUZZ) adds the linker's section bounds of its counters.
others=$(nm -D --defined-only "$so" | awk '{ print $3 }' | grep -v '^k210sock_' |
	grep -v '^__\(start\|stop\)___sancov_' || true)
[ -z "$others" ] || fail "symbols exported beyond the API: $others"
echo "pkg-config test passed"
