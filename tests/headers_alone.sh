#!/usr/bin/env bash
# tests/headers_alone.sh - every module header compiles on its own (TAP).
#
# usage: headers_alone.sh SOURCE_ROOT [BUILD_ROOT [COMPILER...]]
# For each *.h under parser/ core/ config/ tls/ proxy/, compiles a file that includes
# just that header. The warnings are the build's (-Wall -Wextra -Werror): a header is
# included by many files, so a warning in it is every includer's. BoringSSL's include dir
# is given too, because tls/ may include it from its private headers.
set -uo pipefail

root=${1:?usage: headers_alone.sh SOURCE_ROOT [BUILD_ROOT [COMPILER...]]}
build=${2:-$root/build}
shift 2 2>/dev/null || shift $#
compiler=("$@")
((${#compiler[@]})) || compiler=("${CC:-cc}")

cd "$root" || exit 1
mapfile -t headers < <(find parser core config tls proxy -name '*.h' 2>/dev/null | LC_ALL=C sort)

n=0
failed=0
for h in "${headers[@]}"; do
    n=$((n + 1))
    if out=$(printf '#include "%s"\n' "$h" |
        "${compiler[@]}" -fsyntax-only -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
            -I"$root" -I"$build" -isystem /usr/include/android -x c - 2>&1); then
        echo "ok $n - $h compiles alone"
    else
        echo "not ok $n - $h compiles alone"
        sed 's/^/# /' <<<"$out"
        failed=$((failed + 1))
    fi
done
echo "1..$n"
((failed == 0))
