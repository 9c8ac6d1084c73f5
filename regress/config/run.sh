#!/bin/sh
#
# Copyright (c) 2026 The ncap developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# Golden tests of both configuration grammars, printed as TAP.
#
#	sh regress/config/run.sh path/to/ncagentd path/to/nccollectd
#
# agent-*.conf and collector-*.conf must parse, and "BIN -nn -f X.conf"
# must print X.ok exactly; that output must then parse again and print
# itself (round trip).  bad-agent-*.conf and bad-collector-*.conf must
# fail, and every line of bad-*.err must appear in what the daemon wrote
# to stderr.  "@HOSTNAME@" in an .ok file stands for the short host name,
# the sensor name's default.

if [ $# -ne 2 ]; then
	echo "usage: $0 ncagentd nccollectd" >&2
	exit 2
fi

abspath() {
	case "$1" in
	/*)	echo "$1" ;;
	*)	echo "$(pwd)/$1" ;;
	esac
}

AGENT=$(abspath "$1")
COLLECT=$(abspath "$2")
for b in "$AGENT" "$COLLECT"; do
	if [ ! -x "$b" ]; then
		echo "$0: $b: not an executable" >&2
		exit 2
	fi
done

# messages name files as given: run from here so they are short
cd "$(dirname "$0")" || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ncap-config.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM

# the sensor's default name, as parse.y derives it; a host name that
# is not a valid sensor name cannot run the tests that rely on it
HOST=$(uname -n | cut -d. -f1)
if printf '%s\n' "$HOST" | grep -Eq '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$'
then
	HOSTOK=1
else
	HOSTOK=0
fi

n=0
passed=0
failed=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}

notok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -s "$TMP/why" ]; then
		sed 's/^/#   /' "$TMP/why"
	fi
}

skip() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1 # SKIP $2"
}

bin_for() {
	case "$1" in
	agent-*|bad-agent-*)	echo "$AGENT" ;;
	*)			echo "$COLLECT" ;;
	esac
}

set -- agent-*.conf collector-*.conf
good="$*"
set -- bad-*.conf
bad="$*"
total=$(( $(echo "$good" | wc -w) * 2 + $(echo "$bad" | wc -w) + 2 ))
echo "1..$total"

for conf in $good; do
	t=${conf%.conf}
	bin=$(bin_for "$t")
	: > "$TMP/why"
	if grep -q @HOSTNAME@ "$t.ok" && [ $HOSTOK -eq 0 ]; then
		skip "$t" "host name \"$HOST\" is not a valid sensor name"
		skip "$t round trip" "host name \"$HOST\""
		continue
	fi
	sed "s/@HOSTNAME@/$HOST/" "$t.ok" > "$TMP/expected"

	if ! "$bin" -nn -f "$conf" > "$TMP/out" 2> "$TMP/err"; then
		cat "$TMP/err" > "$TMP/why"
		notok "$t: rejected"
		notok "$t round trip: not tried"
		continue
	fi
	if diff -u "$TMP/expected" "$TMP/out" > "$TMP/why"; then
		ok "$t"
	else
		notok "$t: output differs"
	fi

	# what -n prints is a configuration that means the same
	cp "$TMP/out" "$TMP/again.conf"
	if "$bin" -nn -f "$TMP/again.conf" > "$TMP/out2" 2> "$TMP/why" &&
	    diff -u "$TMP/out" "$TMP/out2" > "$TMP/why"; then
		ok "$t round trip"
	else
		notok "$t round trip"
	fi
done

for conf in $bad; do
	t=${conf%.conf}
	bin=$(bin_for "$t")
	: > "$TMP/why"
	if "$bin" -nn -f "$conf" > "$TMP/out" 2> "$TMP/err"; then
		echo "accepted, printed:" > "$TMP/why"
		cat "$TMP/out" >> "$TMP/why"
		notok "$t: accepted"
		continue
	fi
	missing=0
	while IFS= read -r want; do
		if ! grep -qF -- "$want" "$TMP/err"; then
			echo "missing: $want" >> "$TMP/why"
			missing=1
		fi
	done < "$t.err"
	if [ $missing -eq 0 ]; then
		ok "$t"
	else
		echo "stderr was:" >> "$TMP/why"
		cat "$TMP/err" >> "$TMP/why"
		notok "$t: wrong message"
	fi
done

# a file that is not there: refused, and the message names it
for bin in "$AGENT" "$COLLECT"; do
	name=$(basename "$bin")
	: > "$TMP/why"
	if "$bin" -nn -f "$TMP/none.conf" > /dev/null 2> "$TMP/err"; then
		notok "$name: missing file accepted"
	elif grep -qF "$TMP/none.conf" "$TMP/err"; then
		ok "$name: missing file refused"
	else
		cat "$TMP/err" > "$TMP/why"
		notok "$name: missing file, message does not name it"
	fi
done

echo "config: $passed passed, $failed failed"
[ $failed -eq 0 ]
