#!/bin/sh
# The Debian package, end to end on this machine: cpack builds it from the
# build tree, dpkg installs it, the installed daemon accepts the installed
# configuration, systemd accepts the installed units, a reinstall keeps a
# modified conffile, and purge leaves only what Debian policy keeps (the
# k210sockd user and the k210sock group).
# Usage: deb-test.sh BUILD_DIR K210SOCKD_BINARY_OR_EMPTY
set -eu
. "$(dirname "$0")/common.sh"

build=$1 daemon=${2:-}
if [ -z "$daemon" ] || [ ! -x "$daemon" ]; then
	fail "k210sockd is not built (no k210sockd target in daemon/): there is nothing to package"
fi
require_root "installing the package with dpkg"
require_tool cpack cmake
require_tool dpkg-deb dpkg
require_tool dpkg-shlibdeps dpkg-dev
require_tool fakeroot fakeroot
require_tool systemd-analyze systemd
require_tool man man-db
package_state() {
	dpkg-query -W -f='${db:Status-Status}' k210sockd 2>/dev/null || echo not-installed
}
if [ "$(package_state)" != not-installed ]; then
	fail "k210sockd is already installed here: purge it first (dpkg --purge k210sockd)"
fi

installed=no
cleanup_extra() {
	if [ "$installed" = yes ]; then
		dpkg --purge k210sockd >/dev/null 2>&1 || echo "could not purge k210sockd" >&2
	fi
}

run() {
	log=$scratch/$1.log
	shift
	timeout 600 "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "$* failed"; }
}

run cpack cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/cpack"
set -- "$scratch"/cpack/k210sockd_*.deb
if [ $# != 1 ] || [ ! -f "$1" ]; then
	fail "cpack did not produce exactly one k210sockd .deb"
fi
deb=$1
note "built $(basename "$deb")"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' ||
	fail "the package has no shared library dependencies (dpkg-shlibdeps did not run)"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/k210sockd/k210sockd.conf ||
	fail "/etc/k210sockd/k210sockd.conf is not a conffile"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/k210sockd/k210-netif.conf ||
	fail "/etc/k210sockd/k210-netif.conf is not a conffile"

installed=yes
run dpkg-install dpkg -i "$deb"
note "installed"

for f in \
	/usr/sbin/k210sockd \
	/usr/sbin/k210-netif \
	/etc/k210sockd/k210sockd.conf \
	/etc/k210sockd/k210-netif.conf \
	/usr/lib/systemd/system/k210-netif.service \
	/usr/share/man/man8/k210-netif.8 \
	/usr/lib/systemd/system/k210sockd.service \
	/usr/lib/systemd/system/k210sockd.socket \
	/usr/lib/systemd/system/k210sockd-socks.socket \
	/usr/lib/sysusers.d/k210sockd.conf \
	/usr/lib/tmpfiles.d/k210sockd.conf \
	/usr/lib/udev/rules.d/60-k210sockd.rules \
	/usr/share/man/man8/k210sockd.8 \
	/usr/share/man/man5/k210sockd.conf.5 \
	/usr/share/man/man1/k210sock.1; do
	dpkg -S "$f" >/dev/null 2>&1 || fail "the package does not own $f"
	[ -e "$f" ] || fail "$f is not on disk after dpkg -i"
done
dpkg -L k210sockd >"$scratch/files"
while read -r f; do
	[ -e "$f" ] || fail "listed by dpkg -L but missing: $f"
done <"$scratch/files"
note "$(wc -l <"$scratch/files") paths in place"

getent passwd k210sockd >/dev/null || fail "postinst did not create the user k210sockd"
getent group k210sock >/dev/null || fail "postinst did not create the group k210sock"
[ "$(stat -c %U /run/k210sockd 2>/dev/null)" = k210sockd ] ||
	fail "postinst did not create /run/k210sockd owned by k210sockd"

run check-config /usr/sbin/k210sockd -n -f /etc/k210sockd/k210sockd.conf
note "k210sockd -n accepts the installed configuration"
printf '[device]\npath = /dev/k210-0\nno_such_key = 1\n' >"$scratch/bad.conf"
if /usr/sbin/k210sockd -n -f "$scratch/bad.conf" >"$scratch/bad.log" 2>&1; then
	fail "k210sockd -n accepted a configuration with an unknown key"
fi
grep -q 'bad.conf:3' "$scratch/bad.log" ||
	{ cat "$scratch/bad.log" >&2; fail "k210sockd -n did not report bad.conf:3"; }

run check-netif-config /usr/sbin/k210-netif -n -f /etc/k210sockd/k210-netif.conf
note "k210-netif -n accepts the installed configuration"

units="k210sockd.service k210sockd.socket k210sockd-socks.socket k210-netif.service"
# shellcheck disable=SC2086 # one argument per unit
(cd /usr/lib/systemd/system && systemd-analyze verify $units) >"$scratch/verify.log" 2>&1 ||
	{ cat "$scratch/verify.log" >&2; fail "systemd-analyze verify rejects the installed units"; }
[ ! -s "$scratch/verify.log" ] ||
	{ cat "$scratch/verify.log" >&2; fail "systemd-analyze verify warns about the installed units"; }
run security systemd-analyze security --offline=yes --threshold=20 \
	/usr/lib/systemd/system/k210sockd.service
note "units verified; $(grep 'Overall exposure' "$scratch/security.log")"
run security-netif systemd-analyze security --offline=yes --threshold=30 \
	/usr/lib/systemd/system/k210-netif.service
note "k210-netif.service: $(grep 'Overall exposure' "$scratch/security-netif.log")"

echo "# changed by the administrator" >>/etc/k210sockd/k210sockd.conf
cp /etc/k210sockd/k210sockd.conf "$scratch/expected.conf"
run dpkg-reinstall dpkg -i "$deb"
cmp -s /etc/k210sockd/k210sockd.conf "$scratch/expected.conf" ||
	fail "reinstalling replaced the modified conffile"
printf 'secret\n' >/etc/k210sockd/wifi-psk
run dpkg-remove dpkg -r k210sockd
[ -f /etc/k210sockd/k210sockd.conf ] || fail "dpkg -r removed the conffile (only purge may)"
note "reinstall and remove kept the configuration"

run dpkg-purge dpkg --purge k210sockd
installed=no
[ "$(package_state)" = not-installed ] || fail "k210sockd is $(package_state) after purge"
while read -r f; do
	if [ -f "$f" ] || [ -L "$f" ]; then
		fail "left after purge: $f"
	fi
done <"$scratch/files"
for d in /etc/k210sockd /run/k210sockd /usr/share/k210sockd; do
	[ ! -e "$d" ] || fail "left after purge: $d"
done
getent passwd k210sockd >/dev/null || fail "purge removed the k210sockd user (policy keeps system users)"
note "purged; the k210sockd user and k210sock group stay, as Debian policy asks"

echo "package test passed"
