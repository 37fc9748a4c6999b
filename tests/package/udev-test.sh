#!/bin/sh
# The udev rule, run by udevadm test on emulated USB serial devices
# (umockdev) inside a private mount namespace: /dev, /run/udev and
# /etc/udev/rules.d are scratch copies, so the machine's devices are untouched.
# Each vector names a device, the local rule present, the /dev/k210-N links
# other boards already have, and the expected link (or none).
# Usage: udev-test.sh RULE_FILE
set -eu
. "$(dirname "$0")/common.sh"

rule=$(readlink -f "$1")
[ -f "$rule" ] || fail "no rule file $1"
require_root "running udevadm test in a private mount namespace"
require_tool udevadm udev
require_tool umockdev-run umockdev
require_tool unshare util-linux

# usb_device VENDOR PRODUCT MANUFACTURER PRODUCT-STRING SERIAL PORTPATH
# followed by one interface and its tty per remaining argument (NUM:TTY).
describe() {
	vid=$1 pid=$2 mfr=$3 prod=$4 serial=$5 port=$6
	shift 6
	dev=/devices/pci0000:00/0000:00:14.0/usb1/$port
	printf 'P: %s\nN: bus/usb/001/%03d\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n' "$dev" "${port#1-}"
	printf 'E: DRIVER=usb\nA: idVendor=%s\nA: idProduct=%s\nA: bDeviceClass=00\n' "$vid" "$pid"
	[ -z "$mfr" ] || printf 'A: manufacturer=%s\n' "$mfr"
	[ -z "$prod" ] || printf 'A: product=%s\n' "$prod"
	[ -z "$serial" ] || printf 'A: serial=%s\n' "$serial"
	printf '\n'
	for itf in "$@"; do
		num=${itf%%:*} tty=${itf#*:}
		printf 'P: %s/%s:1.%d\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\n' "$dev" "$port" "$num"
		printf 'A: bInterfaceNumber=%02d\nA: bInterfaceClass=ff\n\n' "$num"
		printf 'P: %s/%s:1.%d/%s/tty/%s\nN: %s\nE: SUBSYSTEM=tty\n' "$dev" "$port" "$num" "$tty" "$tty" "$tty"
		printf 'E: MAJOR=188\nE: MINOR=%s\n\n' "${tty#ttyUSB}"
	done
}

cat >"$scratch/local-any-ch340.rules" <<'RULE'
SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ENV{K210SOCKD_BOARD}="1"
RULE
cat >"$scratch/local-port.rules" <<'RULE'
SUBSYSTEM=="tty", KERNELS=="1-4", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ENV{K210SOCKD_BOARD}="1"
RULE

# All devices of the vectors, each on its own USB port.
{
	describe 0403 6010 "Kongou Hikari" Sipeed-Debug 12345678AB 1-2 0:ttyUSB0 1:ttyUSB1
	describe 0403 6010 Open-EC "USB Debugger" "" 1-3 0:ttyUSB2 1:ttyUSB3
	describe 1a86 7523 "" USB2.0-Serial "" 1-4 0:ttyUSB4
	describe 1a86 7523 "" USB2.0-Serial "" 1-5 0:ttyUSB5
	describe 0403 6010 FTDI "Dual RS232-HS" FT0001 1-6 0:ttyUSB6 1:ttyUSB7
	describe 0403 6001 FTDI "FT232R USB UART" A105IQZC 1-7 0:ttyUSB8
} >"$scratch/devices.umockdev"

# name | tty | local rule file or - | /dev/k210-N links of other boards
# already there (N>tty, comma separated) or - | expected link or -
cat >"$scratch/vectors" <<'VECTORS'
sipeed_ch552_k210_port|ttyUSB0|-|-|k210-0
sipeed_ch552_second_port_is_not_the_k210|ttyUSB1|-|-|-
open_ec_second_port|ttyUSB3|-|-|k210-0
open_ec_first_port_is_not_the_k210|ttyUSB2|-|-|-
ch340_not_claimed_without_a_local_rule|ttyUSB4|-|-|-
generic_ft2232_first_port_not_claimed|ttyUSB6|-|-|-
generic_ft2232_second_port_not_claimed|ttyUSB7|-|-|-
ft232r_not_claimed|ttyUSB8|-|-|-
ch340_claimed_by_a_local_port_rule|ttyUSB4|local-port.rules|-|k210-0
ch340_on_another_port_not_claimed_by_the_port_rule|ttyUSB5|local-port.rules|-|-
ch340_claimed_by_a_local_any_ch340_rule|ttyUSB5|local-any-ch340.rules|-|k210-0
second_board_takes_the_next_number|ttyUSB3|-|0>ttyUSB0|k210-1
lowest_free_number_is_taken|ttyUSB3|-|0>ttyUSB0,2>ttyUSB4|k210-1
board_keeps_the_number_it_has|ttyUSB3|-|0>ttyUSB0,1>ttyUSB9,2>ttyUSB3|k210-2
dangling_link_of_a_gone_board_is_skipped|ttyUSB0|-|0>ttyUSB9|k210-1
VECTORS

# Runs inside the namespace: one udevadm test per vector, results appended
# to the results file as "name|links|wants|mm".
cat >"$scratch/inside.sh" <<'INSIDE'
set -eu
scratch=$1 rule=$2
mount --make-rprivate /
mkdir -p "$scratch/dev" "$scratch/rules"
mount -t tmpfs tmpfs /run/udev 2>/dev/null || { mkdir -p /run/udev; mount -t tmpfs tmpfs /run/udev; }
# umockdev makes its tty nodes from ptys; the rest is what any program needs.
for node in null zero random urandom; do
	touch "$scratch/dev/$node"
	mount --bind "/dev/$node" "$scratch/dev/$node"
done
mkdir -p "$scratch/dev/pts"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$scratch/dev/pts"
ln -s pts/ptmx "$scratch/dev/ptmx"
mount --rbind "$scratch/dev" /dev
mkdir -p /etc/udev/rules.d
mount --bind "$scratch/rules" /etc/udev/rules.d
cp "$rule" /etc/udev/rules.d/60-k210sockd.rules
while IFS='|' read -r name tty local existing expected; do
	rm -f /etc/udev/rules.d/59-k210sockd-local.rules /dev/k210-*
	for link in $(echo "$existing" | tr ',' ' '); do
		[ "$link" = - ] || ln -s "${link#*>}" "/dev/k210-${link%%>*}"
	done
	[ "$local" = - ] || cp "$scratch/$local" /etc/udev/rules.d/59-k210sockd-local.rules
	syspath=$(sed -n "s|^P: \(.*/tty/$tty\)\$|/sys\1|p" "$scratch/devices.umockdev")
	timeout 30 umockdev-run -d "$scratch/devices.umockdev" -- \
		udevadm test --action=add "$syspath" >"$scratch/$name.log" 2>&1 || {
		echo "$name|udevadm failed: $(tail -n 3 "$scratch/$name.log" | tr '\n' ' ')" >>"$scratch/results"
		continue
	}
	links=$(sed -n 's/^DEVLINKS=//p' "$scratch/$name.log" | tr ' ' '\n' | sed -n 's|^/dev/\(k210-[0-9]*\)$|\1|p')
	wants=$(sed -n 's/^SYSTEMD_WANTS=//p' "$scratch/$name.log")
	mm=$(sed -n 's/^ID_MM_DEVICE_IGNORE=//p' "$scratch/$name.log")
	echo "$name|${links:--}|${wants:--}|${mm:--}" >>"$scratch/results"
done <"$scratch/vectors"
INSIDE

: >"$scratch/results"
timeout 300 unshare --mount sh "$scratch/inside.sh" "$scratch" "$rule" ||
	fail "could not run udevadm test in a private mount namespace"

failed=0 passed=0
while IFS='|' read -r name tty _ _ expected; do
	got=$(grep "^$name|" "$scratch/results" || true)
	if [ "$expected" = - ]; then
		want="$name|-|-|-"
	else
		want="$name|$expected|k210sockd.service|1"
	fi
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name ($tty): expected '$want', got '$got'" >&2
		grep -E '60-k210sockd|59-k210sockd|rror|nvalid' "$scratch/$name.log" >&2 || true
	fi
done <"$scratch/vectors"

# Syntax: udev reports a rule it cannot parse and goes on; any complaint
# about our file is a failure.
if grep -h -E '60-k210sockd.rules.*(nvalid|rror|gnoring|nknown)' "$scratch"/*.log; then
	fail "udev complains about 60-k210sockd.rules"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
