#!/bin/sh
# Run the regress suite against one build.
#
#	run.sh ROOT BINDIR-ncagentd BINDIR-nccollectd BINDIR-ncctl UNITDIR
#
# Every test prints TAP; this script sums them up and ends with the line
# "N passed, N failed".  A test that exits non-zero without saying why
# counts as one failure.
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
out=$(mktemp -d /tmp/ncap-regress.XXXXXX)
trap 'rm -rf "$out"' EXIT

run() {
	name=$1
	shift
	log="$out/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-40s %4d passed %3d failed %4ds\n' "$name" "$p" "$f" \
	    $(($(date +%s) - start))
	if [ "$f" -ne 0 ]; then
		grep -E '^not ok|^#' "$log" | head -40 | sed 's/^/    /'
		echo "    --- last lines of $name:"
		tail -15 "$log" | sed 's/^/    /'
	fi
}

for t in "$UNITDIR"/t_*; do
	[ -x "$t" ] || continue
	case "$t" in
	*/t_decode | */t_pbpack)
		run "unit/$(basename "$t")" "$t" "$CAPDIR" "$CORPUS" ;;
	*)
		run "unit/$(basename "$t")" "$t" ;;
	esac
done
run config sh "$REGRESS/config/run.sh" "$NCAGENTD" "$NCCOLLECTD"
for t in "$REGRESS"/integration/t_*.sh; do
	run "integration/$(basename "$t" .sh)" sh "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
