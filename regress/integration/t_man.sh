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

# The manual pages against the code they describe:
#
#  1. every page in man/ passes `mandoc -Tlint -Wwarning` silently;
#  2. every flag of each daemon's getopt string (but the internal -P)
#     has its own `.Fl X` in the daemon's page;
#  3. every keyword of each parse.y keyword table is marked up as a
#     keyword (Ic or Cm) on an .It line of the daemon's .conf.5 page;
#  4. every drop cause nccollectd counts has its `.It cause` entry in
#     nccollectd.8, so the totals line can be read with the page;
#  5. every keyword of each daemon's keyword table (config.c) is a word
#     of its grammar and has its entry in the .conf.5 page, and the
#     page's RELOADING section names exactly the keywords the table
#     says a running daemon takes;
#  6. the other way: every word of each parse.y keywords[] is a keyword
#     of the daemon's table, or one of the few words that only follow
#     a keyword (subwords below), so a new statement cannot be left
#     out of the table, where -n, show config and reloads come from.
#
# usage: t_man.sh; $REGRESS is the regress/ directory (by default the
# one this script is in).  TAP on stdout; exit status 1 on a failure.

set -u

REGRESS=${REGRESS:-$(cd "$(dirname "$0")/.." && pwd)}
ROOT=$(cd "$REGRESS/.." && pwd)
MAN=$ROOT/man

n=0
fails=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
}
check() {
	_what=$1
	shift
	if "$@"; then ok "$_what"; else notok "$_what"; fi
}

# 1. lint
pages=$(ls "$MAN"/*.5 "$MAN"/*.8 2>/dev/null)
if [ -z "$pages" ]; then
	notok "manual pages in $MAN"
fi
for p in $pages; do
	name=$(basename "$p")
	if ! command -v mandoc >/dev/null 2>&1; then
		notok "$name: mandoc lint (mandoc is not installed)"
		continue
	fi
	out=$(mandoc -Tlint -Wwarning "$p" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "$name: mandoc lint"
	else
		notok "$name: mandoc lint"
		echo "$out" | sed 's/^/# /'
	fi
done

# the option letters of the first getopt() call in a C file, without
# argument colons and without the internal -P
getopt_flags() {
	sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$1" | head -1 |
	    tr -d ':P' | sed 's/./& /g'
}

# a macro line with the word Fl followed by exactly this flag
has_flag() {
	grep -Eq "^\\.(.*[[:space:]])?Fl $2([[:space:]]|\$)" "$1"
}

# the names in a parse.y keywords[] table
keywords() {
	awk '/keywords\[\] = \{/ { on = 1; next }
	    on && /^[[:space:]]*\};/ { exit }
	    on { if (match($0, /"[^"]*"/))
		print substr($0, RSTART + 1, RLENGTH - 2) }' "$1"
}

# a word that follows an Ic or Cm macro, not yet closed by another
# macro, on an .It line
has_keyword() {
	awk -v kw="$2" '
	    /^\.It[[:space:]]/ {
		cur = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^[A-Z][a-z][a-z]?$/)
				cur = $i
			else if ((cur == "Ic" || cur == "Cm") && $i == kw)
				found = 1
		}
	    }
	    END { exit !found }' "$1"
}

for d in ncagentd nccollectd; do
	src=$ROOT/$d/$d.c
	page=$MAN/$d.8
	flags=$(getopt_flags "$src")
	if [ -z "$flags" ]; then
		notok "$d: getopt string found in $d/$d.c"
	fi
	for f in $flags; do
		check "$d.8 documents -$f" has_flag "$page" "$f"
	done

	conf=$MAN/$d.conf.5
	kws=$(keywords "$ROOT/$d/parse.y")
	if [ -z "$kws" ]; then
		notok "$d: keyword table found in $d/parse.y"
	fi
	for k in $kws; do
		check "$d.conf.5 documents keyword $k" has_keyword "$conf" "$k"
	done
done

# 4. drop causes
causes=$(awk '/drop_names\[DROP_NCAUSES\] = \{/ { on = 1; next }
    on && /\};/ { exit }
    on { s = $0
	while (match(s, /"[^"]*"/)) {
		print substr(s, RSTART + 1, RLENGTH - 2)
		s = substr(s, RSTART + RLENGTH)
	} }' "$ROOT/nccollectd/nccollectd.c")
if [ -z "$causes" ]; then
	notok "nccollectd: drop_names found in nccollectd/nccollectd.c"
fi
for c in $causes; do
	check "nccollectd.8 explains drop cause $c" \
	    grep -Eq "^\\.It $c\$" "$MAN/nccollectd.8"
done

# 5. the keyword tables: "word", FLAGS of each entry, one per line
kwtable() {
	awk '/_keywords\[\] = \{/ { on = 1; next }
	    on && /^\};/ { exit }
	    on && match($0, /\{ "[^"]*", [A-Z_0-9]+/) {
		e = substr($0, RSTART + 3, RLENGTH - 3)
		sub(/", /, " ", e)
		print e
	    }' "$1"
}
# 6. words of a grammar that are not statements of their own: what a
# keyword's line may go on with ("socket ... restricted", "port N",
# yes and no, "listen on", "rotate every", "keep size", "sensor ...
# key"); keep these short, a statement belongs in the keyword table
subwords() {
	case "$1" in
	ncagentd)	echo "key no port restricted yes" ;;
	nccollectd)	echo "every key no on port restricted size yes ca certificate
		    create credentials duplicate-window durable marks password replicas stream
		    marks-ttl queue-size subject timeout token url" ;;
	esac
}

# the Ic words of a section
section_ic() {
	awk -v sec="$2" '/^\.Sh / { on = ($2 == sec); next }
	    on && /^\.Ic / { print $2 }' "$1"
}
for d in ncagentd nccollectd; do
	table=$(kwtable "$ROOT/$d/config.c")
	if [ -z "$table" ]; then
		notok "$d: keyword table found in $d/config.c"
		continue
	fi
	grammar=$(keywords "$ROOT/$d/parse.y")
	conf=$MAN/$d.conf.5
	while read -r k flags; do
		# "listen on" is the keyword listen and the word on
		w=${k%% *}
		check "$d: keyword $w is a word of the grammar" \
		    sh -c "echo '$grammar' | grep -qx '$w'"
		check "$d.conf.5 has an entry for keyword $w" \
		    has_keyword "$conf" "$w"
	done <<EOT
$table
EOT
	# 6. grammar -> table
	words=" $(echo "$table" | awk '{ print $1 }' | tr '\n' ' ') "
	subs=" $(subwords "$d" | tr -s ' \t\n' ' ') "
	for g in $grammar; do
		case "$words" in
		*" $g "*)
			ok "$d: grammar word $g is in the keyword table"
			continue ;;
		esac
		case "$subs" in
		*" $g "*)
			ok "$d: grammar word $g is a subword" ;;
		*)
			notok "$d: grammar word $g is in neither the table of\
 $d/config.c nor subwords" ;;
		esac
	done
	# and the list holds no word the grammar has not
	for w in $subs; do
		check "$d: subword $w is a word of the grammar" \
		    sh -c "echo '$grammar' | grep -qx '$w'"
	done
	want=$(echo "$table" | awk '$NF == "CONF_RELOAD" { print $1 }' | sort)
	got=$(section_ic "$conf" RELOADING | sed 's/,$//' | sort)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "$d.conf.5 RELOADING names what reloads: $(echo $want)"
	else
		notok "$d.conf.5 RELOADING names '$got', the table '$want'"
	fi
done

echo "1..$n"
[ "$fails" -eq 0 ]
