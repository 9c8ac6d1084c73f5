#!/bin/sh
# Accuracy end to end: each capture of regress/captures (and a generated
# one of a few thousand frames, also as pcapng) goes through ncagentd -r and nccollectd;
# the dumped spool must hold, per record type, as many records as tshark
# decodes layers of that type, with equal key fields.  Deliberate
# differences are listed, with reasons, in tshark-differences.txt.
. "$REGRESS/integration/lib.sh"

command -v tshark >/dev/null || { skip "tshark not installed"; finish; exit; }
"$PYTHON" "$CAPDIR/genbig.py" "$T/mix.pcap" 3000 11 >/dev/null
# the same frames as pcapng, with nanosecond timestamps
editcap -F pcapng --set-tsprec 9 "$T/mix.pcap" "$T/mix.pcapng" 2>/dev/null ||
    editcap -F pcapng "$T/mix.pcap" "$T/mix.pcapng"
# from the tcpdump corpus, when present: timestamps past 2038 and 2106
caps="$CAPDIR/*.pcap $T/mix.pcap $T/mix.pcapng"
for f in time_2039.pcap time_2106.pcap; do
	[ -f "$CORPUS/$f" ] && caps="$caps $CORPUS/$f"
done
start_collector "$T/c" || exit 1
i=0
for cap in $caps; do
	i=$((i + 1))
	run_sensor "$T/s$i" "cap$i" "$cap"
	is $? 0 "$(basename "$cap"): the replay exits 0"
done
stop_collector
is $? 0 "the collector exits 0"

i=0
: >"$T/stats"
for cap in $caps; do
	i=$((i + 1))
	"$PYTHON" "$REGRESS/integration/compare.py" \
	    -x "$REGRESS/integration/tshark-differences.txt" \
	    "$cap" "$T/c/spool/cap$i" "$NCCTL" >"$T/cmp$i"
	rc=$?
	grep -v '^# stats' "$T/cmp$i" | sed 's/^\(not \)\{0,1\}ok - /&/' |
	    while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) notok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	    done
	# (the subshell above cannot count: count again here)
	n=$((n + $(grep -c '^ok - \|^not ok - ' "$T/cmp$i")))
	fails=$((fails + $(grep -c '^not ok - ' "$T/cmp$i")))
	[ $rc -eq 0 ] || [ "$(grep -c '^not ok - ' "$T/cmp$i")" -gt 0 ] ||
	    notok "$(basename "$cap"): compare.py failed ($rc)"
	grep '^# stats' "$T/cmp$i" >>"$T/stats"
done
# per type: records compared, fields checked, fields equal
awk '{ r[$3] += $4; c[$3] += $5; m[$3] += $6 }
    END { for (t in r) printf "# %-10s %6d records %7d fields checked %7d equal\n",
    t, r[t], c[t], m[t] }' "$T/stats" | sort
finish
