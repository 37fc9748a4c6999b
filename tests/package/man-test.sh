#!/bin/sh
# Each manual page formats without a single groff warning.
# Usage: man-test.sh PAGE...
set -eu
. "$(dirname "$0")/common.sh"

require_tool man man-db
require_tool groff groff-base
failed=0 passed=0
for page in "$@"; do
	[ -f "$page" ] || fail "no manual page $page"
	if LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$scratch/out" 2>"$scratch/err" &&
		[ ! -s "$scratch/err" ] && [ -s "$scratch/out" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $page" >&2
		cat "$scratch/err" >&2
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
