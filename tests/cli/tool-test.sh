#!/bin/sh
# The k210sock tool against k210sock-fakedaemon: every --json output parses
# (python3 -m json.tool) and keeps every key and string, human output, error
# messages and exit codes, and the network commands end to end.
# Usage: tool-test.sh K210SOCK FAKEDAEMON
set -u

k210sock=$1 fakedaemon=$2
dir=$(mktemp -d /tmp/k210sock-tool.XXXXXX) || exit 1
sock=$dir/k210sockd.sock
daemon_pid=
failures=0

cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run NAME [ARGS...]: k210sock with a time limit; output in $dir/NAME.out/.err, status in $rc.
run() {
	name=$1
	shift
	timeout 20 "$k210sock" -s "$sock" "$@" >"$dir/$name.out" 2>"$dir/$name.err" </dev/null
	rc=$?
}

# expect_rc NAME WANT
expect_rc() {
	if [ "$rc" != "$2" ]; then
		fail "$1: exit status $rc, expected $2"
		sed 's/^/  stderr: /' "$dir/$1.err" >&2
	fi
}

expect_json() {
	python3 -m json.tool "$dir/$1.out" >/dev/null 2>"$dir/$1.json-err" ||
		{ fail "$1: not valid JSON: $(cat "$dir/$1.json-err")"; sed 's/^/  /' "$dir/$1.out" >&2; }
}

# expect_py NAME PYTHON-EXPRESSION: true for the parsed output d.
expect_py() {
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
sys.exit(0 if ($2) else 1)
" "$dir/$1.out" || fail "$1: $2 does not hold for $(cat "$dir/$1.out")"
}

expect_err() {
	grep -qxF "$2" "$dir/$1.err" || fail "$1: stderr is '$(cat "$dir/$1.err")', expected '$2'"
}

"$fakedaemon" "$sock" &
daemon_pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -S "$sock" ] || { echo "FAIL: the fake daemon did not start" >&2; exit 1; }

# --- status -------------------------------------------------------------------
run status_json status --json
expect_rc status_json 0
expect_json status_json
expect_py status_json 'd["daemon"]["version"] == "0.1.0" and d["link"]["baud"] == 2000000'
expect_py status_json 'd["board"]["name"] == "Maix \"Dock\" \\ tab\tnl\nbell\a"'
expect_py status_json 'd["board"]["sdk_version"].startswith("caf\u00e9 \U0001f4f6 bad:\ufffd")'
expect_py status_json 'd["link"]["frames_tx"] == 2**63 - 1 and d["link"]["frames_rx"] == -2**63'
# "clients" is a value and a prefix: both kept, side by side.
expect_py status_json 'd["clients"] == 2 and d["clients.refused"] == 3 and d["requests"] == 99'
expect_py status_json 'd["a"]["b"]["c"]["d"] == 4'
# Exactly one object, on one line.
[ "$(wc -l <"$dir/status_json.out")" = 1 ] || fail "status --json: not one line"
run status_opt_first --json status
expect_rc status_opt_first 0
cmp -s "$dir/status_opt_first.out" "$dir/status_json.out" ||
	fail "status: --json before the command gives another output"

run status_text status
expect_rc status_text 0
grep -q '^board$' "$dir/status_text.out" || fail "status: no board section"
grep -q '^  baud  *2000000$' "$dir/status_text.out" || fail "status: link.baud not shown aligned"
[ "$(head -1 "$dir/status_text.out")" = daemon ] || fail "status: the daemon's section is not first"

# --- resolve --------------------------------------------------------------------
run resolve_json resolve example.org --json
expect_rc resolve_json 0
expect_json resolve_json
expect_py resolve_json 'd == {"host": "example.org", "addresses": ["192.0.2.10", "192.0.2.11"]}'
run resolve resolve example.org
expect_rc resolve 0
[ "$(cat "$dir/resolve.out")" = "192.0.2.10
192.0.2.11" ] || fail "resolve: printed $(cat "$dir/resolve.out")"
run resolve_nodev resolve nodev.example
expect_rc resolve_nodev 4
expect_err resolve_nodev "k210sock: resolve nodev.example: no board attached"
run resolve_fail resolve fail.example
expect_rc resolve_fail 1
expect_err resolve_fail "k210sock: resolve fail.example: name does not resolve"

# --- ping ------------------------------------------------------------------------
run ping_json ping 198.18.0.1 --json
expect_rc ping_json 0
expect_json ping_json
expect_py ping_json 'd == {"host": "198.18.0.1", "rtt_ms": 7}'
run ping ping 198.18.0.1
expect_rc ping 0
[ "$(cat "$dir/ping.out")" = "198.18.0.1: 7 ms" ] || fail "ping: printed $(cat "$dir/ping.out")"
run ping_silent ping silent.example
expect_rc ping_silent 1
expect_err ping_silent "k210sock: ping silent.example: timed out"
run ping_nodev ping nodev.example
expect_rc ping_nodev 4
expect_err ping_nodev "k210sock: ping nodev.example: no board attached"

# --- wifi -------------------------------------------------------------------------
run wifi_status_json wifi status --json
expect_rc wifi_status_json 0
expect_json wifi_status_json
expect_py wifi_status_json 'd["state"] == "got-ip" and d["ssid"] == "caf\u00e9 \"lab\"" and d["rssi"] == -58'
expect_py wifi_status_json 'd["ip"] == "192.168.4.2" and d["bssid"] == "24:0a:c4:aa:bb:cc"'
run wifi_status wifi status
expect_rc wifi_status 0
grep -q '^rssi  *-58 dBm$' "$dir/wifi_status.out" || fail "wifi status: no RSSI line"

run wifi_scan_json wifi scan --json
expect_rc wifi_scan_json 0
expect_json wifi_scan_json
expect_py wifi_scan_json 'len(d["access_points"]) == 4 and d["access_points"][1]["ssid"] == "ctl\x01\x1b[2J\"q\""'
expect_py wifi_scan_json 'd["access_points"][0]["security"] == "wpa2" and d["access_points"][3]["channel"] == 11'
run wifi_scan wifi scan
expect_rc wifi_scan 0
grep -q "$(printf '\033')" "$dir/wifi_scan.out" && fail "wifi scan: a control character reached the terminal"
[ "$(wc -l <"$dir/wifi_scan.out")" = 5 ] || fail "wifi scan: not a header and 4 lines"

echo right | timeout 20 "$k210sock" -s "$sock" wifi join lab >"$dir/join.out" 2>"$dir/join.err"
rc=$?
expect_rc join 0
echo wrong | timeout 20 "$k210sock" -s "$sock" wifi join lab >"$dir/join_wrong.out" 2>"$dir/join_wrong.err"
rc=$?
expect_rc join_wrong 1
expect_err join_wrong "k210sock: wifi join lab: WiFi authentication failed"
run leave wifi leave
expect_rc leave 0
run wifi_bad wifi dance
expect_rc wifi_bad 2
run join_json wifi join lab pass --json
expect_rc join_json 2

# --- reset, monitor ------------------------------------------------------------------
run reset reset esp
expect_rc reset 0
run reset_bad reset everything
expect_rc reset_bad 2

# The fake daemon sends four events, then goes away: the tool says so.
run monitor_json monitor --json
expect_rc monitor_json 1
expect_err monitor_json "k210sock: monitor: the daemon closed the connection"
[ "$(wc -l <"$dir/monitor_json.out")" = 4 ] || fail "monitor --json: not 4 lines"
while IFS= read -r line; do
	printf '%s\n' "$line" | python3 -m json.tool >/dev/null 2>&1 || fail "monitor --json: bad line: $line"
done <"$dir/monitor_json.out"
head -1 "$dir/monitor_json.out" >"$dir/monitor_first.out"
expect_py monitor_first 'd["event"] == "device" and d["what"] == "board-reset" and d["time"].endswith("Z")'
sed -n 4p "$dir/monitor_json.out" >"$dir/monitor_log.out"
expect_py monitor_log 'd["event"] == "log" and d["level"] == "warning" and d["text"] == "esp: \"busy\" \\ \x01\ufffd"'
run monitor monitor
expect_rc monitor 1
grep -q ' device board-reset$' "$dir/monitor.out" || fail "monitor: no board reset line"
grep -q ' wifi got-ip 192.168.4.2$' "$dir/monitor.out" || fail "monitor: no WiFi line"

# --- connect, listen, udp ------------------------------------------------------------------
printf 'hello\nworld\n' | timeout 20 "$k210sock" -s "$sock" connect echo 7 >"$dir/echo.out" 2>"$dir/echo.err"
rc=$?
expect_rc echo 0
[ "$(cat "$dir/echo.out")" = "hello
world" ] || fail "connect echo: got '$(cat "$dir/echo.out")'"
run refused connect refused.example 80
expect_rc refused 1
expect_err refused "k210sock: connect refused.example:80: connection refused"
run connect_nodev connect nodev.example 80
expect_rc connect_nodev 4
run connect_reset connect reset 1
expect_rc connect_reset 1
expect_err connect_reset "k210sock: connect reset:1: connection reset by peer"
[ "$(cat "$dir/connect_reset.out")" = partial ] || fail "connect reset: the bytes before the reset are lost"
run connect_reset_keep connect --no-shutdown reset 1
expect_rc connect_reset_keep 1
expect_err connect_reset_keep "k210sock: connect reset:1: connection reset by peer"
run shutdown_elsewhere status --no-shutdown
expect_rc shutdown_elsewhere 2
run connect_port connect echo 0
expect_rc connect_port 2
run connect_tls connect --tls echo 443
expect_rc connect_tls 0

run listen listen 8080
expect_rc listen 0
[ "$(cat "$dir/listen.out")" = "hello from remote" ] || fail "listen: got '$(cat "$dir/listen.out")'"

printf 'ping\n' | timeout 20 "$k210sock" -s "$sock" udp 192.0.2.10 7 >"$dir/udp.out" 2>"$dir/udp.err"
rc=$?
expect_rc udp 0
[ "$(cat "$dir/udp.out")" = ping ] || fail "udp: got '$(cat "$dir/udp.out")'"

# --- bench ------------------------------------------------------------------------------------
run bench_json bench --json --bytes 200000 --streams 2 chargen 19
expect_rc bench_json 0
expect_json bench_json
expect_py bench_json 'd["bytes"] == 200000 and d["streams"] == 2 and d["link_baud"] == 2000000'
expect_py bench_json 'abs(d["ratio"] - d["bytes_per_s"] / 200000.0) < 0.01 and d["connect_ms"]["min"] >= 0'
run bench bench --bytes 64K chargen 19
expect_rc bench 0
grep -q '^throughput .* of the wire limit (200000 bytes/s at 2000000 baud)$' "$dir/bench.out" ||
	fail "bench: no throughput line: $(cat "$dir/bench.out")"
run bench_board_json bench --json
expect_rc bench_board_json 0
expect_json bench_board_json
expect_py bench_board_json 'd["round_trips"] == 20 and d["round_trip_ms"]["max"] >= d["round_trip_ms"]["min"]'
run bench_short bench echo 7 --bytes 10 --streams 20
expect_rc bench_short 2

# --- usage and reachability ----------------------------------------------------------------------
run usage nosuchcommand
expect_rc usage 2
run usage_opt status --tls
expect_rc usage_opt 2
run usage_none
expect_rc usage_none 2
timeout 20 "$k210sock" -s "$dir/nothing.sock" status >"$dir/unreach.out" 2>"$dir/unreach.err"
rc=$?
expect_rc unreach 3
expect_err unreach "k210sock: $dir/nothing.sock: no such file or directory (is k210sockd running?)"
K210SOCK_SOCKET=$sock timeout 20 "$k210sock" status --json >"$dir/env.out" 2>"$dir/env.err"
rc=$?
expect_rc env 0
expect_json env

if [ "$failures" != 0 ]; then
	echo "$failures failures" >&2
	exit 1
fi
echo "k210sock tool test passed"
