#!/usr/bin/env bash
# tests/test_version.sh - portico's version options (TAP).
#
# usage: test_version.sh PATH_TO_PORTICO
# -V must name the BoringSSL and the jemalloc 5.x the binary really runs with (both come
# from calls into the libraries, so a build that lost either fails here), and options the
# server core will bring must fail loudly instead of pretending to work.
set -uo pipefail

portico=${1:?usage: test_version.sh PATH_TO_PORTICO}

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

has() { grep -Eq -- "$2" <<<"$1"; }

out=$("$portico" -V 2>&1)
status=$?
check "-V exits 0" test "$status" -eq 0
check "-V prints the version" has "$out" '^portico version: portico/[0-9]+\.[0-9]+\.[0-9]+$'
check "-V names BoringSSL and its API version" has "$out" '^built with BoringSSL .*\(API [0-9]+\)$'
check "-V names jemalloc 5.x" has "$out" '^built with jemalloc 5\.[0-9]+\.[0-9]+'
check "-V names the compiler" has "$out" '^built by [a-z]+ [0-9]'
check "-V prints the configure arguments" has "$out" '^configure arguments: .*-Dbuildtype='
[[ $status -eq 0 ]] || sed 's/^/# /' <<<"$out"

out=$("$portico" --version 2>&1)
check "--version is -V" has "$out" '^built with BoringSSL'

out=$("$portico" -v 2>&1)
status=$?
check "-v exits 0" test "$status" -eq 0
check "-v prints only -V's first line" test "$out" = "$("$portico" -V 2>&1 | head -n 1)"

out=$("$portico" -h 2>&1)
status=$?
check "-h exits 0 and prints usage" has "$status $out" '^0 Usage: portico'

"$portico" -x >/dev/null 2>&1
check "an unknown option exits nonzero" test $? -ne 0

"$portico" -c >/dev/null 2>&1
check "-c without a file exits nonzero" test $? -ne 0

tap_done
