#!/usr/bin/env bash
# Logging as resource-agents' ha_log and ha_debug log, with the agent run
# as Pacemaker runs it (env -i, OCF_* and HA_* only): HA_LOGFILE and
# HA_DEBUGLOG get the lines stderr gets, appended; HA_DEBUGLOG alone gets
# debug lines, and only with HA_debug=1; a file that cannot be opened
# changes no exit code; HA_LOGFACILITY picks the syslog facility, and
# "none" sends nothing.  No Route 53 is needed: validate-all logs a line,
# a bad parameter an error, and a start against a closed port warnings,
# a debug line and an exit reason.
#
# Syslog is caught for real: the agent runs in a private mount namespace
# (unshare -m, or -r -m when not root) whose /dev is a tmpfs of links to
# the real /dev, and whose /dev/log is this test's datagram socket.  glibc's
# syslog(3) writes there as it would to journald or rsyslog.  Where no
# such namespace can be made, that part is skipped, loudly, and the test
# exits 77 once every other check has passed.
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?AGENT must name the built agent}"
[ -x "$AGENT" ] || fail "agent $AGENT not built"
command -v "$PYTHON3" >/dev/null || skip_test "$PYTHON3 is not installed"

RUN=$TEST_TMP/run
SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
# A port nobody listens on: the kernel refuses the connection at once.
CLOSED_PORT=$("$PYTHON3" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

base_env=(
    OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=dns HA_RSCTMP="$RUN"
    OCF_RESKEY_hostname=www OCF_RESKEY_zone_id=Z0LOGTEST OCF_RESKEY_ip=192.0.2.10
    OCF_RESKEY_endpoint="https://127.0.0.1:$CLOSED_PORT"
    AWS_ACCESS_KEY_ID=AKIDLOGTEST AWS_SECRET_ACCESS_KEY="$SECRET"
    AWS_EC2_METADATA_DISABLED=true HOME="$TEST_TMP" PATH="$PATH"
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
    ${AGENT_ENV[@]+"${AGENT_ENV[@]}"}
)
# A start that fails after a few refused tries (under a second unwrapped).
FAILING_START=(start OCF_RESKEY_CRM_meta_timeout=$((1000 * TIME_FACTOR)))

# Every run starts from "$NS_RUN[@]" (empty, or the syslog namespace).
NS_RUN=()

# run_logged ACTION [VAR=VALUE...]: run the agent under env -i with
# base_env and the given variables, umask 000 (so a file's mode is the
# agent's own choice); sets RC, AGENT_PID, and ERR_FILE (its stderr).
run_logged()
{
    local action=$1
    shift
    ERR_FILE=$TEST_TMP/stderr
    ${NS_RUN[@]+"${NS_RUN[@]}"} timeout 120 bash -c 'umask 000; echo $$ >"$1"; shift; exec "$@"' sh \
        "$TEST_TMP/pid" env -i "${base_env[@]}" "$@" ${AGENT_WRAP[@]+"${AGENT_WRAP[@]}"} \
        "$AGENT" "$action" >"$TEST_TMP/stdout" 2>"$ERR_FILE"
    RC=$?
    AGENT_PID=$(cat "$TEST_TMP/pid")
    cat "$ERR_FILE" >>"$TEST_TMP/all-stderr"
}

# stderr's lines with the name dropped: what a log file line holds after
# "<time> route53(dns)[<pid>]: ".
stderr_lines() { sed 's/^route53(dns): //' "$ERR_FILE"; }

# file_lines FILE [SKIP]: FILE's lines after the first SKIP, each with its
# prefix checked (time, name, the agent's pid) and dropped; a line with
# another prefix is printed whole, with "BAD PREFIX: " before it.
file_lines()
{
    tail -n +$((${2:-0} + 1)) "$1" | sed -E \
        -e "s/^[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} route53\\(dns\\)\\[$AGENT_PID\\]: //;t" \
        -e 's/^/BAD PREFIX: /'
}

# same_lines DESC EXPECTED ACTUAL: ok if the two texts are equal.
same_lines()
{
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"
    fi
}

want_rc()
{
    if [ "$RC" = "$2" ]; then ok "$1"; else not_ok "$1 (exit $RC, want $2)" "$(cat "$ERR_FILE")"; fi
}

# ---- HA_LOGFILE and HA_DEBUGLOG, debug off ---------------------------------
LOGFILE=$TEST_TMP/ha.log
DEBUGLOG=$TEST_TMP/ha-debug.log
printf '%s\n' "an earlier line" "and another" >"$LOGFILE"
run_logged "${FAILING_START[@]}" HA_LOGFILE="$LOGFILE" HA_DEBUGLOG="$DEBUGLOG"
want_rc "a start against a closed port fails" 1
grep -q ': warning: ' "$ERR_FILE" && grep -q '^ocf-exit-reason:' "$ERR_FILE" \
    && ok "... with warnings and an exit reason on stderr" \
    || not_ok "stderr lacks a warning or the reason" "$(cat "$ERR_FILE")"
same_lines "HA_LOGFILE keeps what it held" "an earlier line
and another" "$(head -n 2 "$LOGFILE")"
same_lines "HA_LOGFILE gets stderr's lines after it, reason included, each as '<time> route53(dns)[pid]: '" \
    "$(stderr_lines)" "$(file_lines "$LOGFILE" 2)"
same_lines "HA_DEBUGLOG gets the same lines" "$(stderr_lines)" "$(file_lines "$DEBUGLOG")"
grep -q ': debug: ' "$DEBUGLOG" && not_ok "a debug line in HA_DEBUGLOG without HA_debug" \
    || ok "no debug line in HA_DEBUGLOG without HA_debug"
mode=$(stat -c %a "$DEBUGLOG")
[ "$mode" = 640 ] && ok "a new log file is created 0640 (umask 000)" || not_ok "new log file mode $mode"

before=$(cat "$LOGFILE")
run_logged validate-all HA_LOGFILE="$LOGFILE"
want_rc "validate-all with good parameters" 0
same_lines "a second action appends: the first one's lines stay" "$before" \
    "$(head -n "$(printf '%s\n' "$before" | wc -l)" "$LOGFILE")"
same_lines "... and its own follow" "$(stderr_lines)" \
    "$(file_lines "$LOGFILE" "$(printf '%s\n' "$before" | wc -l)")"

# ---- HA_debug=1: debug lines in HA_DEBUGLOG only ---------------------------
LOGFILE=$TEST_TMP/ha2.log
DEBUGLOG=$TEST_TMP/ha2-debug.log
run_logged "${FAILING_START[@]}" HA_debug=1 HA_LOGFILE="$LOGFILE" HA_DEBUGLOG="$DEBUGLOG"
want_rc "a failing start at debug level" 1
grep -q '^route53(dns): debug: ' "$ERR_FILE" && ok "HA_debug=1 puts debug lines on stderr" \
    || not_ok "no debug line on stderr" "$(cat "$ERR_FILE")"
same_lines "HA_DEBUGLOG gets every stderr line, debug ones included" \
    "$(stderr_lines)" "$(file_lines "$DEBUGLOG")"
same_lines "HA_LOGFILE gets them less the debug lines, as ha_debug leaves it alone" \
    "$(stderr_lines | grep -v '^debug: ')" "$(file_lines "$LOGFILE")"

SAME=$TEST_TMP/both.log
run_logged "${FAILING_START[@]}" HA_debug=1 HA_LOGFILE="$SAME" HA_DEBUGLOG="$SAME"
same_lines "HA_LOGFILE = HA_DEBUGLOG: each line once, debug lines included" \
    "$(stderr_lines)" "$(file_lines "$SAME")"

# ---- a file that cannot be opened changes nothing else ---------------------
run_logged validate-all HA_LOGFILE="$TEST_TMP/no-such-dir/ha.log"
want_rc "validate-all with an HA_LOGFILE in a missing directory still exits 0" 0
n=$(grep -c "HA_LOGFILE=$TEST_TMP/no-such-dir/ha.log: cannot open" "$ERR_FILE")
[ "$n" = 1 ] && ok "... and says once that it cannot open it" \
    || not_ok "'cannot open' said $n times" "$(cat "$ERR_FILE")"
run_logged validate-all OCF_RESKEY_ttl=abc
want_rc "a bad parameter exits 6" 6
DEBUGLOG=$TEST_TMP/ha3-debug.log
run_logged validate-all OCF_RESKEY_ttl=abc HA_LOGFILE="$TEST_TMP" HA_DEBUGLOG="$DEBUGLOG"
want_rc "... and still 6 with a directory for HA_LOGFILE" 6
same_lines "the file that opens gets every line, the warning about the other included" \
    "$(stderr_lines)" "$(file_lines "$DEBUGLOG")"
grep -q "^warning: HA_LOGFILE=$TEST_TMP: cannot open" <(file_lines "$DEBUGLOG") \
    && ok "... the warning among them" || not_ok "no warning in HA_DEBUGLOG" "$(cat "$DEBUGLOG")"
run_logged "${FAILING_START[@]}" HA_DEBUGLOG=/dev/full
want_rc "a failing start with an HA_DEBUGLOG whose writes fail (/dev/full) still exits 1" 1
mkfifo "$TEST_TMP/fifo"
run_logged validate-all HA_LOGFILE="$TEST_TMP/fifo"
want_rc "a FIFO nobody reads for HA_LOGFILE: no hang, exit 0" 0

# ---- syslog -------------------------------------------------------------
# A datagram socket at $SOCK; the datagrams the command sent to it go to
# $SYSLOG_OUT, one a line.  The command's exit code is returned.
cat >"$TEST_TMP/catch-syslog.py" <<'EOF'
import select, socket, subprocess, sys

sock_path, out_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
got = []
child = subprocess.Popen(cmd)
# Read while it runs: syslog(3) blocks once ten datagrams are queued.
while child.poll() is None:
    if select.select([s], [], [], 0.05)[0]:
        got.append(s.recv(65536))
s.setblocking(False)
while True:
    try:
        got.append(s.recv(65536))
    except BlockingIOError:
        break
with open(out_path, "wb") as f:
    for d in got:
        f.write(d.replace(b"\n", b"\\n") + b"\n")
sys.exit(child.returncode)
EOF
# In the new mount namespace: a tmpfs /dev of links to the real one, and
# /dev/log this test's socket; then the command.
NS_SETUP='set -e
old=$1/dev; sock=$2; shift 2
mkdir -p "$old"
mount --rbind /dev "$old"
mount -t tmpfs -o mode=0755 r53-test-dev /dev
for e in "$old"/* "$old"/.[!.]*; do
    if [ -e "$e" ] || [ -L "$e" ]; then ln -s "$e" /dev/; fi
done
ln -sfn "$sock" /dev/log
exec "$@"'
SOCK=$TEST_TMP/syslog.sock
SYSLOG_OUT=$TEST_TMP/syslog
if [ "$(id -u)" = 0 ]; then UNSHARE=(unshare -m); else UNSHARE=(unshare -r -m); fi
SYSLOG_SKIP=
if ! command -v unshare >/dev/null || ! command -v mount >/dev/null; then
    SYSLOG_SKIP="unshare or mount is not installed"
elif ! probe=$("${UNSHARE[@]}" bash -c "$NS_SETUP" sh "$TEST_TMP/probe" /nonexistent \
    readlink /dev/log 2>&1); then
    SYSLOG_SKIP="cannot make a mount namespace with its own /dev/log (${UNSHARE[*]}): $probe"
fi

# pri_facilities: each datagram's facility (PRI / 8), one a line.
pri_facilities() { sed -n 's/^<\([0-9]*\)>.*/\1/p' "$SYSLOG_OUT" | while read -r p; do echo $((p / 8)); done; }

# run_syslog ACTION [VAR=VALUE...]: run_logged in the namespace.
run_syslog()
{
    rm -f "$SOCK" "$SYSLOG_OUT"
    NS_RUN=("$PYTHON3" "$TEST_TMP/catch-syslog.py" "$SOCK" "$SYSLOG_OUT"
            "${UNSHARE[@]}" bash -c "$NS_SETUP" sh "$TEST_TMP/ns" "$SOCK")
    run_logged "$@"
    NS_RUN=()
}

if [ -z "$SYSLOG_SKIP" ]; then
    run_syslog validate-all HA_LOGFACILITY=local3
    want_rc "validate-all with HA_LOGFACILITY=local3" 0
    grep -q "^<[0-9]*>.* route53(dns)\[$AGENT_PID\]: .*validate-all: exit 0" "$SYSLOG_OUT" \
        && ok "syslog got the agent's line, tagged route53(dns)[pid]" \
        || not_ok "no such datagram" "$(cat "$SYSLOG_OUT")"
    same_lines "local3: every datagram's PRI says facility 19" \
        "$(pri_facilities | sed 's/.*/19/')" "$(pri_facilities)"
    grep -q '^<158>' "$SYSLOG_OUT" && ok "... the exit line as local3.info (PRI 158)" \
        || not_ok "no <158>" "$(cat "$SYSLOG_OUT")"

    run_syslog validate-all
    [ "$(pri_facilities | sort -u)" = 3 ] && ok "HA_LOGFACILITY unset: daemon (3), as before" \
        || not_ok "facilities without HA_LOGFACILITY: $(pri_facilities | sort -u)" "$(cat "$SYSLOG_OUT")"
    run_syslog validate-all HA_LOGFACILITY=user
    [ "$(pri_facilities | sort -u)" = 1 ] && ok "HA_LOGFACILITY=user: facility 1" \
        || not_ok "facilities for user: $(pri_facilities | sort -u)" "$(cat "$SYSLOG_OUT")"

    for v in none ""; do
        run_syslog validate-all HA_LOGFACILITY="$v"
        want_rc "validate-all with HA_LOGFACILITY='$v'" 0
        [ ! -s "$SYSLOG_OUT" ] && grep -q 'validate-all: exit 0' "$ERR_FILE" \
            && ok "HA_LOGFACILITY='$v' sends syslog nothing (stderr still logs)" \
            || not_ok "HA_LOGFACILITY='$v' sent datagrams" "$(cat "$SYSLOG_OUT")"
    done

    run_syslog validate-all HA_LOGFACILITY=local9
    [ "$(pri_facilities | sort -u)" = 3 ] && grep -q 'HA_LOGFACILITY=local9 is no syslog facility' "$ERR_FILE" \
        && ok "an unknown facility: daemon, and a warning" \
        || not_ok "HA_LOGFACILITY=local9" "$(cat "$ERR_FILE" "$SYSLOG_OUT")"

    LOGFILE=$TEST_TMP/ha4.log
    run_syslog "${FAILING_START[@]}" HA_debug=1 HA_LOGFACILITY=local3 HA_LOGFILE="$LOGFILE"
    want_rc "a failing start at debug level, to local3 and a file" 1
    grep -q '^<159>.*start used' "$SYSLOG_OUT" && ok "... its debug line as local3.debug (PRI 159)" \
        || not_ok "no <159> debug datagram" "$(cat "$SYSLOG_OUT")"
    same_lines "... and HA_LOGFILE still gets stderr's lines less debug" \
        "$(stderr_lines | grep -v '^debug: ')" "$(file_lines "$LOGFILE")"
    cat "$SYSLOG_OUT" >>"$TEST_TMP/all-stderr"
fi

# ---- no secret anywhere ---------------------------------------------------
if grep -rqF "$SECRET" "$TEST_TMP"/*.log "$TEST_TMP/all-stderr" 2>/dev/null; then
    not_ok "the secret key reached a log"
else
    ok "the secret key is in no log file, on no stderr and in no datagram"
fi

if [ -n "$SYSLOG_SKIP" ] && [ "$TESTS_FAILED" = 0 ]; then
    echo "1..$TESTS_RUN"
    skip_test "the syslog checks did NOT run: $SYSLOG_SKIP (every other check passed)"
fi
finish
