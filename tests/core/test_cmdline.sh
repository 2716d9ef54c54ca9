#!/usr/bin/env bash
# tests/core/test_cmdline.sh - portico's nginx-style command line, end to end (TAP).
#
# usage: test_cmdline.sh PATH_TO_PORTICO
# -t/-T/-q messages, -p/-c resolution, -s against a running master (reload, reopen, quit),
# -g with daemon on, and the errors of each. Every wait polls a condition (a pid file, an
# answer, a pid gone) with a deadline; nothing is left running.
set -uo pipefail

portico=$(realpath "${1:?usage: test_cmdline.sh PATH_TO_PORTICO}")
dir=$(mktemp -d /tmp/pt-cmdline-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf=$dir/conf/portico.conf
pidfile=$dir/logs/portico.pid
started=()
mkdir -p "$dir/conf" "$dir/logs"

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

has() { grep -Fq -- "$2" <<<"$1"; }

# wait_for SECONDS COMMAND...: polls the command every 20 ms until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.02
    done
}

answer() { curl -s --max-time 2 "http://127.0.0.1:$port/"; }
answers() { [[ $(answer) == "$1" ]]; }
pid_file_ok() { [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1") == Z* ]]; }

cleanup() {
    for pid in "${started[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT

write_conf() { # write_conf FILE LABEL [MAIN_DIRECTIVES]
    cat >"$1" <<EOF
${3-daemon off;}
worker_processes 2;
error_log logs/error.log notice;
pid logs/portico.pid;
events { worker_connections 64; }
http {
    server {
        listen 127.0.0.1:$port;
        return 200 "$2\n";
    }
}
EOF
}

# --- -t, -T, -q, -p, -c ---------------------------------------------------------------
write_conf "$conf" g1
out=$("$portico" -p "$dir" -t 2>&1)
check "-t exits 0 on a good config" test $? -eq 0
check "-t says the syntax is ok" test "$out" = "portico: the configuration file $conf syntax is ok
portico: configuration file $conf test is successful"
out=$(cd "$dir" && "$portico" -t 2>&1)
check "without -p, the prefix is the working directory" has "$out" "file $conf test is successful"
out=$("$portico" -p "$dir" -tq 2>&1)
check "-q silences a successful -t" test "$?:$out" = "0:"
out=$("$portico" -p "$dir" -T 2>/dev/null)
check "-T dumps the config on stdout" has "$(head -n 1 <<<"$out")" "# configuration file $conf:"
check "-T dumps the file's text" has "$out" "return 200 \"g1\\n\";"

printf 'events {}\nworker_procesess 2;\n' >"$dir/conf/broken.conf"
out=$("$portico" -p "$dir" -c conf/broken.conf -t 2>&1)
check "-t exits 1 on a broken config" test $? -eq 1
check "-t names the error's file:line:col" has "$out" "conf/broken.conf:2:1:"
check "-t ends with nginx's failure line" test "$(tail -n 1 <<<"$out")" = \
    "portico: configuration file $dir/conf/broken.conf test failed"

# --- -s errors ------------------------------------------------------------------------
out=$("$portico" -p "$dir" -s restart 2>&1)
check "-s with an unknown signal exits 1" test $? -eq 1
check "and says so" has "$out" 'invalid option: "-s restart"'
out=$("$portico" -p "$dir" -s reload 2>&1)
check "-s with no master running exits 1" test $? -eq 1
check "and names the pid file" has "$out" "open() \"$pidfile\" failed (2: No such file or directory)"

# --- a running master: reload, reopen, quit --------------------------------------------
"$portico" -p "$dir" 2>"$dir/stderr.txt" &
master=$!
started+=("$master")
check "the master writes its pid file" wait_for 5 pid_file_ok
check "the pid file names the master" test "$(cat "$pidfile" 2>/dev/null)" = "$master"
check "it answers" wait_for 5 answers g1
write_conf "$conf" g2
check "-s reload exits 0" "$portico" -p "$dir" -s reload
check "the new config answers" wait_for 5 answers g2
printf 'worker_processes 2;\nbogus;\n' >"$conf"
"$portico" -p "$dir" -s reload >/dev/null 2>&1
check "-s reload refuses a broken config" test $? -eq 1
kill -HUP "$master"
check "a broken config sent by SIGHUP is logged" \
    wait_for 5 grep -q "reload failed" "$dir/logs/error.log"
check "and the previous config keeps answering" answers g2
write_conf "$conf" g2
mv "$dir/logs/error.log" "$dir/logs/error.log.1"
check "-s reopen exits 0" "$portico" -p "$dir" -s reopen
check "the master reopens its log" wait_for 5 test -e "$dir/logs/error.log"
check "-s quit exits 0" "$portico" -p "$dir" -s quit
check "the master exits" wait_for 5 gone "$master"
wait "$master"
check "with status 0" test $? -eq 0
check "after reopening, lines go to the new log" grep -q "SIGQUIT" "$dir/logs/error.log"
check "and no longer to the rotated one" test "$(grep -c SIGQUIT "$dir/logs/error.log.1")" = 0
check "and removes its pid file" test ! -e "$pidfile"
check "nothing listens any more" test -z "$(answer)"

# --- -g and daemon on -----------------------------------------------------------------
write_conf "$conf" daemon ""
"$portico" -p "$dir" -g "daemon on;" 2>"$dir/stderr.txt"
check "with -g 'daemon on;', portico returns at once with status 0" test $? -eq 0
check "the daemon writes its pid file" wait_for 5 pid_file_ok
daemon=$(cat "$pidfile" 2>/dev/null)
started+=("$daemon")
check "the daemon answers" wait_for 5 answers daemon
check "-s stop exits 0" "$portico" -p "$dir" -s stop
check "the daemon exits" wait_for 10 gone "$daemon"
check "its workers are gone" test -z "$(pgrep -P "$daemon" 2>/dev/null)"

tap_done
