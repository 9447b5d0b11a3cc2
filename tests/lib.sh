# lib.sh -- helpers for the scripted tests of the built program.
#
# Each test script sources this file, calls `expect_*` for each check and
# ends with `finish`.  $QDESK is the program under test (set by make check).
# Output of failing checks shows the command, what was expected and got.

: "${QDESK:?QDESK must point at the qdesk binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/qdesk-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Each test script has a home of its own: `make -j check` runs scripts side
# by side, and a shared database or config would let one test's kill switch,
# orders or config file leak into another's checks.
HOME=$TMP/home
XDG_CONFIG_HOME=$HOME/config
XDG_DATA_HOME=$HOME/data
XDG_STATE_HOME=$HOME/state
export HOME XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME"
npass=0
nfail=0

# run ARGS...: runs qdesk, keeping stdout, stderr and the exit status.
run() {
	"$QDESK" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
}

# run_stdin TEXT ARGS...: like run, with TEXT on stdin.
run_stdin() {
	text=$1
	shift
	printf '%s' "$text" | "$QDESK" "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
}

ok() { npass=$((npass + 1)); }
fail() {
	nfail=$((nfail + 1))
	echo "FAIL: $*"
	echo "  status: $status"
	echo "  stdout:"; sed 's/^/    /' "$TMP/out"
	echo "  stderr:"; sed 's/^/    /' "$TMP/err"
}

# expect_status N DESCRIPTION
expect_status() {
	if [ "$status" -eq "$1" ]; then ok; else fail "$2: expected status $1"; fi
}
# expect_out PATTERN DESCRIPTION (grep -E on stdout)
expect_out() {
	if grep -Eq -- "$1" "$TMP/out"; then ok; else fail "$2: stdout lacks /$1/"; fi
}
# expect_err PATTERN DESCRIPTION (grep -E on stderr)
expect_err() {
	if grep -Eq -- "$1" "$TMP/err"; then ok; else fail "$2: stderr lacks /$1/"; fi
}
# expect_out_exact TEXT DESCRIPTION
expect_out_exact() {
	if [ "$(cat "$TMP/out")" = "$1" ]; then ok; else fail "$2: stdout is not '$1'"; fi
}
# expect_json DESCRIPTION: every stdout line is a JSON object.
expect_json() {
	if python3 -c 'import json,sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)' "$TMP/out" 2>/dev/null; then ok
	else fail "$1: stdout is not JSON Lines"; fi
}
# json_field FIELD: prints FIELD of the first stdout line.
json_field() {
	python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' \
	    "$TMP/out" "$1"
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}
