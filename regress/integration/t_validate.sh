#!/bin/sh
# Records valid for every reader: a trusted sensor (ncforge with a
# listed key, so nothing but the records is wrong) sends records a
# strict proto3 reader refuses or reads otherwise, between good ones
# (validate.py).  Every bad record's datagram is dropped as "record",
# counted and logged with its field and why, and nothing of it is
# stored; every good record is, a newer sensor's unknown fields
# included, and ncctl dump still reads the files.
. "$REGRESS/integration/lib.sh"

mkdir -p "$T/ks"
"$NCCTL" keygen "$T/ks" >/dev/null || { echo "Bail out! keygen"; exit 1; }
start_collector "$T/c" "sensor vs key $(tr -d '\n' <"$T/ks/pub.key")" ||
    exit 1
"$PYTHON" "$REGRESS/integration/validate.py" "$CPORT" "$T/keys/pub.key" \
    "$(tr -d '\n' <"$T/ks/priv.key")" "$NCFORGE" >"$T/sent" ||
    { echo "Bail out! validate.py failed"; exit 1; }
stop_collector
is $? 0 "the collector exits 0"

log=$T/c/collector.log
spool=$T/c/spool/vs
nbad=$(awk '$1 == "bad" { print $2 }' "$T/sent" | sort -u | wc -l)
ngood=$(awk '$1 == "good" { print $2 }' "$T/sent" | sort -u | wc -l)
check "validate.py sent bad and good records ($nbad bad, $ngood good)" \
    [ "$nbad" -ge 10 -a "$ngood" -ge 5 ]
is "$(total "$log" record)" "$nbad" \
    "every datagram with a bad record is dropped as 'record'"
is "$(total "$log" batches)" "$ngood" \
    "every other datagram is stored"
for cause in framing protobuf type name repeat old stale; do
	is "$(total "$log" "$cause")" 0 "none dropped as '$cause'"
done

# each bad record's field and why, a line per datagram (validate.py
# stays under the rate limit)
awk '$1 == "bad" { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' \
    "$T/sent" | sort -u >"$T/whys"
while IFS= read -r why; do
	check "logged: $why" grep -qF -- ": $why" "$log"
done <"$T/whys"
is "$(grep -c 'dropped datagram from .*: record [0-9]*: ' "$log")" "$nbad" \
    "one line for each"

# the files, through ncctl dump: each good timestamp once, no bad one
for t in $(awk '$1 == "good" { print $3 }' "$T/sent" | sort -u); do
	status=0
	"$NCCTL" dump -j "$spool/$t.ncap" >"$T/$t.json" || status=$?
	is "$status" 0 "ncctl dump -j reads $t.ncap"
	is "$(tail -n +2 "$T/$t.json" | wc -l)" \
	    "$(awk -v t="$t" '$1 == "good" && $3 == t' "$T/sent" | wc -l)" \
	    "$t.ncap holds the good $t records and no other"
done
missing=""
for ts in $(awk '$1 == "good" { print $4 }' "$T/sent"); do
	cat "$T"/*.json | grep -q "\"timestamp\":$ts," ||
	    missing="$missing $ts"
done
is "$missing" "" "every good record is stored"
stored=""
for ts in $(awk '$1 == "bad" { print $4 }' "$T/sent"); do
	cat "$T"/*.json | grep -q "\"timestamp\":$ts," && stored="$stored $ts"
done
is "$stored" "" "no record of a dropped datagram is stored"
check "no file holds only bad records" \
    [ "$(ls "$spool" | sort | tr '\n' ' ')" = \
    "$(awk '$1 == "good" { print $3 ".ncap" }' "$T/sent" | sort -u |
    tr '\n' ' ')" ]

# a newer sensor's fields stay, and readers skip them
read -r _ mtype mark <<EOF
$(grep '^marker ' "$T/sent")
EOF
check "$mtype.ncap keeps the unknown fields' bytes" \
    grep -qaF -- "$mark" "$spool/$mtype.ncap"
status=0
"$NCCTL" dump -c "$spool/$mtype.ncap" >/dev/null || status=$?
is "$status" 0 "ncctl dump -c reads it too"
finish
