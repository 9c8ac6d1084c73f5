#!/bin/sh
# Run the regress suite against one build.
#
#	run.sh ROOT BINDIR-ncagentd BINDIR-nccollectd BINDIR-ncctl UNITDIR
#
# Every test prints TAP; this script sums them up and ends with the line
# "N passed, N failed".  A test that exits non-zero without saying why
# counts as one failure.
#
# NCAP_JOBS tests (2 unless told) run at a time: each test has its own
# scratch directory, ports (free_port), network namespaces and tmpfs
# mounts, so none waits on another.  Each is reported when it and the
# ones before it in the list have ended, in the list's order, with the
# seconds it took.  The longest start first, so that the end does not
# wait for one of them alone; a test not named in FIRST starts in turn.
set -u
root=$1
cd "$root" || exit 1
export NCAGENTD="$root/$2/ncagentd"
export NCCOLLECTD="$root/$3/nccollectd"
export NCCTL="$root/$4/ncctl"
export UNITDIR="$root/$5"
export NCFORGE="$UNITDIR/ncforge"
export REGRESS="$root/regress"
export CAPDIR="$root/regress/captures"
export CORPUS="${CORPUS:-$root/../shared/corpus/tcpdump-tests}"
export PYTHON="${PYTHON:-/usr/bin/python3}"

passed=0
failed=0
jobs=${NCAP_JOBS:-2}
began=$(date +%s)
out=$(mktemp -d /tmp/ncap-regress.XXXXXX)
PIDS=""
# interrupted: the tests still running, and their subshells
stop() {
	for p in $PIDS; do
		pkill -TERM -P "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	rm -rf "$out"
}
trap stop EXIT
trap 'exit 1' HUP INT TERM

FIRST="integration/t_faults integration/t_delivery integration/t_corpus
    integration/t_trust integration/t_reload integration/t_package
    integration/t_nacl integration/t_tshark integration/t_control
    integration/t_rotate integration/t_sandbox integration/t_ack
    integration/t_scale unit/t_pbpack"

# the list, in the order of the report
tests=""
for t in "$UNITDIR"/t_*; do
	[ -x "$t" ] && tests="$tests unit/$(basename "$t")"
done
tests="$tests config"
for t in "$REGRESS"/integration/t_*.sh; do
	tests="$tests integration/$(basename "$t" .sh)"
done

# logname NAME: where NAME's output goes
logname() { echo "$out/$(echo "$1" | tr '/ ' '__').log"; }

# start NAME: NAME in the background, its status and seconds in its
# log's .rc once it has ended
start() {
	case "$1" in
	unit/t_decode | unit/t_pbpack | unit/t_zenc | unit/t_zenc_portable)
		set -- "$1" "$UNITDIR/${1#unit/}" "$CAPDIR" "$CORPUS" ;;
	unit/*)
		set -- "$1" "$UNITDIR/${1#unit/}" ;;
	config)
		set -- "$1" sh "$REGRESS/config/run.sh" "$NCAGENTD" \
		    "$NCCOLLECTD" ;;
	integration/*)
		set -- "$1" sh "$REGRESS/$1.sh" ;;
	esac
	_log=$(logname "$1")
	shift
	(
		_s=$(date +%s)
		"$@" >"$_log" 2>&1
		_rc=$?
		echo "$_rc $(($(date +%s) - _s))" >"$_log.rc.tmp"
		mv "$_log.rc.tmp" "$_log.rc"
	) </dev/null &
	PIDS="$PIDS $!"
}

# report NAME: NAME's counts and seconds, and what failed
report() {
	name=$1
	log=$(logname "$name")
	read -r rc secs <"$log.rc"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-40s %4d passed %3d failed %4ds\n' "$name" "$p" "$f" "$secs"
	if [ "$f" -ne 0 ]; then
		grep -E '^not ok|^#' "$log" | head -40 | sed 's/^/    /'
		echo "    --- last lines of $name:"
		tail -15 "$log" | sed 's/^/    /'
	fi
}

# flush: report, in order, the tests that have ended with all before
# them; sets running to the number started and not ended
flush() {
	while [ -n "$unreported" ]; do
		set -- $unreported
		[ -e "$(logname "$1").rc" ] || break
		report "$1"
		shift
		unreported=$*
	done
	running=0
	for _t in $started; do
		[ -e "$(logname "$_t").rc" ] || running=$((running + 1))
	done
}

# the start order: FIRST, then the rest of the list
order=""
for t in $FIRST; do
	case " $tests " in
	*" $t "*) order="$order $t" ;;
	esac
done
for t in $tests; do
	case " $order " in
	*" $t "*) ;;
	*) order="$order $t" ;;
	esac
done

unreported=$tests
started=""
running=0
for t in $order; do
	while flush; [ "$running" -ge "$jobs" ]; do
		sleep 0.1
	done
	start "$t"
	started="$started $t"
done
while flush; [ -n "$unreported" ]; do
	sleep 0.1
done
wait
PIDS=""

echo "# $(($(date +%s) - began)) s, $jobs at a time"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
