# Shared helpers for the integration tests (sourced, not run).
#
# Each test file is a bash script of functions named test_*; `run` calls
# them in order, each in a subshell with `set -e`, and prints the plain
# closing line "N passed, N failed".

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$REPO/$BUILD" ;; esac
AKSESCTL="$BUILD/aksesctl"
AKSESD="$BUILD/aksesd"
export AKSESCTL

fail() { echo "    FAIL: $*" >&2; exit 1; }

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
        [ "$1" = "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
        case "$1" in *"$2"*) ;; *) fail "${3:-output} does not contain [$2]; it is: [$1]" ;; esac
}

# Runs a command, captures stdout+stderr in $OUT and its status in $RC.
capture() {
        set +e
        OUT=$("$@" 2>&1)
        RC=$?
        set -e
}
