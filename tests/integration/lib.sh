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

# Password files the tests write must be private, as ldapwhoami -y insists.
umask 077

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

# A spool and policy of the test's own (the fixture's slapd is shared by
# the tests of a file, the spool is not).  Sets AKSES_POLICY/AKSES_SPOOL.
fresh_spool() {
        local old_spool=$AKSES_SPOOL
        AKSES_SPOOL="$WORK/spool"
        sed "s|$old_spool|$AKSES_SPOOL|" "$AKSES_POLICY" >"$WORK/policy.yaml"
        AKSES_POLICY="$WORK/policy.yaml"
        export AKSES_POLICY AKSES_SPOOL
}

ctl() { "$AKSESCTL" --policy "$AKSES_POLICY" "$@"; }

# Starts aksesd with a notify socket of our own; waits for READY=1.
start_daemon() {
        rm -f "$WORK/notify.sock" "$WORK/notify.log"
        socat -u UNIX-RECV:"$WORK/notify.sock" OPEN:"$WORK/notify.log",creat,append &
        SOCAT_PID=$!
        echo "$SOCAT_PID" >>"$WORK/../aksesd.pid"
        for _ in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.05; done
        NOTIFY_SOCKET="$WORK/notify.sock" "$AKSESD" --policy "$AKSES_POLICY" >>"$WORK/aksesd.log" 2>&1 &
        DPID=$!
        ALL_PIDS="${ALL_PIDS:-} $DPID"
        echo "$DPID" >>"$WORK/../aksesd.pid"
        for _ in $(seq 100); do
                grep -q 'READY=1' "$WORK/notify.log" 2>/dev/null && return 0
                kill -0 "$DPID" 2>/dev/null || fail "aksesd exited: $(cat "$WORK/aksesd.log")"
                sleep 0.05
        done
        fail "aksesd did not report READY=1"
}

stop_daemon() {
        kill -TERM "$DPID" 2>/dev/null || true
        wait "$DPID" 2>/dev/null || true
        kill "$SOCAT_PID" 2>/dev/null || true
        wait "$SOCAT_PID" 2>/dev/null || true
}

crash_daemon() {
        kill -KILL "$DPID"
        wait "$DPID" 2>/dev/null || true
        kill "$SOCAT_PID" 2>/dev/null || true
        wait "$SOCAT_PID" 2>/dev/null || true
}

# show_field ID FIELD: one field of `aksesctl show ID --json`.
show_field() {
        # The first occurrence: the request's own field, not its history's.
        ctl show "$1" --json | grep -o "\"$2\": \(\"[^\"]*\"\|[a-z0-9]*\)" | head -1 | sed 's/^[^:]*: //' | tr -d '"'
}

# wait_until CMD...: retries a command for up to 5 s.
wait_until() {
        for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
        fail "timed out waiting for: $*"
}

wait_status() { # ID STATUS [tries of 0.1 s]
        for _ in $(seq "${3:-300}"); do status_is "$1" "$2" && return 0; sleep 0.1; done
        fail "$1 did not reach status $2 (it is $(show_field "$1" status): $(show_field "$1" reason))"
}

# journaled MATCH...: this test's daemons journaled such an event.
journaled() { [ -n "$(journal_of_test "$@" -o cat)" ]; }

# quarantined NAME: the dropped file NAME was refused (its .reason exists).
quarantined() { ls "$AKSES_SPOOL"/quarantine/*-"$1".reason >/dev/null 2>&1; }

step_is() { [ "$(show_field "$1" step)" = "$2" ]; }
status_is() { [ "$(show_field "$1" status)" = "$2" ]; }

# journal_of FIELD=VALUE...: this test's daemon's entries, as AKSES_EVENT lines.
journal_events() {
        journalctl --sync 2>/dev/null || true
        journalctl -q _COMM=aksesd "$@" -o export 2>/dev/null | sed -n 's/^AKSES_EVENT=//p'
}

# journal_of_test MATCH...: entries of every aksesd this test started
# (request ids restart with each spool, so match on its spool too).
journal_of_test() {
        local m=()
        for p in ${ALL_PIDS:-}; do m+=("_PID=$p"); done
        journalctl --sync 2>/dev/null || true
        # Pids are reused (pid_max may be small): the test's own spool tells.
        journalctl -q "${m[@]}" AKSES_SPOOL="$AKSES_SPOOL" "$@" 2>/dev/null
}
