#!/bin/sh
# The tcpdump test corpus ($CORPUS) end to end against tshark: every
# capture of a link type ncagentd decodes goes through ncagentd -r into
# one nccollectd (a sensor name per capture), then compare.py checks
# each spool against tshark's dissection, with the deliberate
# differences of tshark-differences.txt.  Per record type the totals
# (records compared, fields checked, fields equal) end the output.
# Plain pass only: t_decode already reads the corpus under the
# sanitizers, and at their speed this would take too long.
# CORPUS_MAX=N takes the first N captures only.
. "$REGRESS/integration/lib.sh"

if [ -n "${NCAP_SANITIZER:-}" ]; then
	skip "the corpus comparison runs in the plain pass only"
	finish
	exit
fi
if [ ! -d "${CORPUS:-}" ]; then
	skip "no corpus at '${CORPUS:-}' (../shared/corpus/tcpdump-tests)"
	finish
	exit
fi
command -v tshark >/dev/null || { skip "tshark not installed"; finish; exit; }

t0=$(date +%s)
diffs=$REGRESS/integration/tshark-differences.txt
"$PYTHON" "$REGRESS/fuzz/seeds.py" -l "$CORPUS" |
    awk -v max="${CORPUS_MAX:-0}" 'max == 0 || NR <= max { print NR, $0 }' \
    >"$T/all"
# "CAPTURE * * * reason" in the differences file: left out, and said
awk -v out="$T/leftout" '
    NR == FNR {
	if ($2 == "*" && $3 == "*" && $4 == "*") {
		r = $0
		sub(/^[^ ]+ +[*] +[*] +[*] +/, "", r)
		why[$1] = r
	}
	next
    }
    {
	n = $2
	sub(/.*\//, "", n)
	if (n in why)
		print "# " n " left out: " why[n] >out
	else
		print
    }' "$diffs" "$T/all" >"$T/list"
[ -f "$T/leftout" ] && cat "$T/leftout"
ncaps=$(wc -l <"$T/list")
check "the corpus holds captures of link types we decode ($ncaps)" \
    [ "$ncaps" -gt 0 ]

start_collector "$T/c" || exit 1
while read -r i cap; do
	sensor_conf "$T/s$i" "c$i"
done <"$T/list"
# two sensors at a time: they differ in name and key, the collector
# keeps them apart
export T NCAGENTD
xargs -P 2 -n 2 sh -c '"$NCAGENTD" -d -v -f "$T/s$1/ncagentd.conf" \
    -r "$2" >"$T/s$1/sensor.log" 2>&1; echo "$1 $?" >"$T/s$1/rc"' sh \
    <"$T/list"
stop_collector
is $? 0 "the collector exits 0"
is "$(total "$T/c/collector.log" kernel-drops)" 0 \
    "the collector's socket dropped nothing"
# a sensor's own records are valid for every reader (validate.c)
is "$(total "$T/c/collector.log" record)" 0 \
    "the collector refused no record of the sensors"
bad=0
while read -r i cap; do
	rc=$(cut -d' ' -f2 "$T/s$i/rc" 2>/dev/null)
	if [ "$rc" != 0 ]; then
		notok "$(basename "$cap"): the replay exits ${rc:-nothing}"
		bad=$((bad + 1))
	fi
done <"$T/list"
[ "$bad" -eq 0 ] && ok "all $ncaps replays exit 0"
t1=$(date +%s)

# tshark mostly starts up: corpus_compare.py gives it 25 captures at a
# time and runs compare.py on each one's share
"$PYTHON" "$REGRESS/integration/corpus_compare.py" -j 2 -n 25 \
    -x "$diffs" "$T/list" \
    "$T/c/spool" "$NCCTL" "$T"

: >"$T/stats"
while read -r i cap; do
	# compare.py's own lines, numbered here
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) notok "${line#not ok - }" ;;
		"# stats "*) echo "$line" >>"$T/stats" ;;
		*) echo "$line" ;;
		esac
	done <"$T/cmp$i"
	[ "$(cat "$T/cmprc$i")" = 0 ] ||
	    grep -q '^not ok - ' "$T/cmp$i" ||
	    notok "$(basename "$cap"): compare.py failed ($(cat "$T/cmprc$i"))"
done <"$T/list"
t2=$(date +%s)

# per type: records compared, fields checked, fields equal
echo "# corpus totals over $ncaps captures:"
awk '{ r[$3] += $4; c[$3] += $5; m[$3] += $6 }
    END { for (t in r) printf "# %-28s %7d records %8d fields checked " \
    "%8d equal\n", t, r[t], c[t], m[t] }' "$T/stats" | sort
echo "# time: replay $((t1 - t0))s, compare $((t2 - t1))s, total $((t2 - t0))s"
finish
