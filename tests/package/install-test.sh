#!/bin/sh
# cmake --install into a DESTDIR: files land where systemd, udev and the
# daemon look for them, the service is generated for the install prefix and
# passes systemd's checks, and a second install keeps a modified config.
# Usage: install-test.sh BUILD_DIR
set -eu
. "$(dirname "$0")/common.sh"

build=$1
require_root "installing the sysusers/tmpfiles snippets into a test root"
require_tool systemd-analyze systemd
require_tool systemd-sysusers systemd
require_tool systemd-tmpfiles systemd

# install PREFIX DESTDIR: run cmake --install, keep its output for checks.
install_to() {
	DESTDIR=$2 cmake --install "$build" --prefix "$1" >"$scratch/install.log" 2>&1 ||
		{ cat "$scratch/install.log" >&2; fail "cmake --install --prefix $1 failed"; }
}

expect_file() {
	[ -f "$1" ] || fail "not installed: $1"
}

# --- prefix /usr: the distribution layout --------------------------------
root=$scratch/usr-root
install_to /usr "$root"
for f in \
	etc/k210sockd/k210sockd.conf \
	usr/lib/systemd/system/k210sockd.service \
	usr/lib/systemd/system/k210sockd.socket \
	usr/lib/systemd/system/k210sockd-socks.socket \
	usr/lib/systemd/system/k210-netif.service \
	etc/k210sockd/k210-netif.conf \
	usr/lib/sysusers.d/k210sockd.conf \
	usr/lib/tmpfiles.d/k210sockd.conf \
	usr/lib/udev/rules.d/60-k210sockd.rules \
	usr/share/man/man8/k210sockd.8 \
	usr/share/man/man5/k210sockd.conf.5 \
	usr/share/man/man1/k210sock.1 \
	usr/share/man/man8/k210-netif.8; do
	expect_file "$root/$f"
done
note "prefix /usr: every file in place"

unit=$root/usr/lib/systemd/system/k210sockd.service
grep -qx 'ExecStart=/usr/sbin/k210sockd -d' "$unit" ||
	fail "k210sockd.service: unexpected ExecStart: $(grep '^ExecStart=' "$unit")"
grep -qx 'LoadCredential=wifi-psk:/etc/k210sockd/wifi-psk' "$unit" ||
	fail "k210sockd.service: unexpected LoadCredential: $(grep '^LoadCredential=' "$unit")"
if grep -n '@[A-Z0-9_]*@' "$unit"; then
	fail "k210sockd.service: placeholder left unreplaced"
fi

netif=$root/usr/lib/systemd/system/k210-netif.service
grep -qx 'ExecStart=/usr/sbin/k210-netif -d' "$netif" ||
	fail "k210-netif.service: unexpected ExecStart: $(grep '^ExecStart=' "$netif")"
grep -qx 'AmbientCapabilities=CAP_NET_ADMIN' "$netif" && grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$netif" ||
	fail "k210-netif.service: CAP_NET_ADMIN is not its only capability"
if grep -n '@[A-Z0-9_]*@' "$netif"; then
	fail "k210-netif.service: placeholder left unreplaced"
fi
# It holds CAP_NET_ADMIN and the host's network: rated higher than the daemon, below 3.0.
systemd-analyze security --offline=yes --threshold=30 "$netif" >"$scratch/security-netif.log" 2>&1 ||
	{ cat "$scratch/security-netif.log" >&2; fail "k210-netif.service is rated above exposure 3.0"; }
note "k210-netif.service: $(grep 'Overall exposure' "$scratch/security-netif.log")"

# Exposure is reported on a 0..100 scale internally: 20 is "2.0".
systemd-analyze security --offline=yes --threshold=20 "$unit" >"$scratch/security.log" 2>&1 ||
	{ cat "$scratch/security.log" >&2; fail "k210sockd.service is rated above exposure 2.0"; }
note "$(grep 'Overall exposure' "$scratch/security.log")"
# The sockets need nothing but systemd itself; the service is verified by the
# package test, where the daemon it starts is installed.
(cd "$root/usr/lib/systemd/system" &&
	systemd-analyze verify --man=no k210sockd.socket k210sockd-socks.socket) \
	>"$scratch/verify.log" 2>&1 ||
	{ cat "$scratch/verify.log" >&2; fail "systemd-analyze verify rejects the socket units"; }
[ ! -s "$scratch/verify.log" ] ||
	{ cat "$scratch/verify.log" >&2; fail "systemd-analyze verify warns about the socket units"; }

# The snippets create what the units expect, in the test root only.
systemd-sysusers --root="$root" >"$scratch/sysusers.log" 2>&1 ||
	{ cat "$scratch/sysusers.log" >&2; fail "systemd-sysusers rejects sysusers.d/k210sockd.conf"; }
grep -q '^k210sockd:' "$root/etc/passwd" || fail "sysusers.d did not create the user k210sockd"
grep -q '^k210sock:' "$root/etc/group" || fail "sysusers.d did not create the group k210sock"
systemd-tmpfiles --root="$root" --create >"$scratch/tmpfiles.log" 2>&1 ||
	{ cat "$scratch/tmpfiles.log" >&2; fail "systemd-tmpfiles rejects tmpfiles.d/k210sockd.conf"; }
[ -d "$root/run/k210sockd" ] || fail "tmpfiles.d did not create /run/k210sockd"
uid=$(awk -F: '$1 == "k210sockd" { print $3 }' "$root/etc/passwd")
[ "$(stat -c %u "$root/run/k210sockd")" = "$uid" ] || fail "/run/k210sockd is not owned by k210sockd"
note "sysusers.d and tmpfiles.d snippets applied"

# --- a second install keeps the administrator's configuration ------------
conf=$root/etc/k210sockd/k210sockd.conf
echo "# changed by the administrator" >>"$conf"
cp "$conf" "$scratch/expected.conf"
install_to /usr "$root"
cmp -s "$conf" "$scratch/expected.conf" || fail "a second install replaced the modified $conf"
grep -q "Keeping: $conf" "$scratch/install.log" || fail "the second install did not say it kept $conf"
note "second install kept the modified configuration"

# --- another prefix: config under it, the service points there -----------
root=$scratch/opt-root
install_to /opt/k210 "$root"
expect_file "$root/opt/k210/etc/k210sockd/k210sockd.conf"
unit=$root/opt/k210/lib/systemd/system/k210sockd.service
expect_file "$unit"
grep -qx 'ExecStart=/opt/k210/sbin/k210sockd -d -f /opt/k210/etc/k210sockd/k210sockd.conf' "$unit" ||
	fail "prefix /opt/k210: unexpected ExecStart: $(grep '^ExecStart=' "$unit")"
grep -qx 'ExecStart=/opt/k210/sbin/k210-netif -d -f /opt/k210/etc/k210sockd/k210-netif.conf' \
	"$root/opt/k210/lib/systemd/system/k210-netif.service" ||
	fail "prefix /opt/k210: unexpected k210-netif ExecStart"
[ ! -e "$root/etc" ] || fail "prefix /opt/k210 installed files under /etc"
note "prefix /opt/k210: service and configuration follow the prefix"

echo "install test passed"
