# Shared by the package tests: loud failures, required tools, a scratch dir.
# shellcheck shell=sh

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "-- $*"
}

require_root() {
	[ "$(id -u)" = 0 ] || fail "$1 needs root (run ctest as root)"
}

# require_tool TOOL DEBIAN-PACKAGE
require_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		fail "$1 is missing: install the Debian package $2 (scripts/deps)"
}

# The scratch directory is removed on exit; callers add their own cleanup
# through the cleanup_extra function.
cleanup_extra() { :; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/k210sockd-pkgtest.XXXXXX")
cleanup() {
	status=$?
	trap - EXIT INT TERM
	cleanup_extra
	rm -rf "$scratch"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
