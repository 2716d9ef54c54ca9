# tests/tap.sh - TAP for the shell tests (sourced): check() prints one ok / not ok line per
# command, tap_done prints the plan and fails when a check did. The C tests' twin is
# tests/tap.h.
n=0
failed=0

check() { # check DESCRIPTION COMMAND...: one TAP line for the command's success.
    local what=$1
    shift
    n=$((n + 1))
    if "$@"; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        failed=$((failed + 1))
    fi
}

tap_done() {
    echo "1..$n"
    ((failed == 0))
}
