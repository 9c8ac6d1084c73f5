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

# The system calls each child makes once it is on its own: the
# integration tests run with both daemons under strace -ff, then, per
# role, every call made after its seccomp filter was loaded (after it
# set no_new_privs, where there is no filter) is counted, with any
# process the filter killed and the call that did it.  For growing an
# allow list: each role's is in its own file, what every child needs in
# common/sandbox.c.
#
#	sh regress/syscalls.sh [BINDIR [UNITDIR]] [-- t_live t_privsep ...]
#
# BINDIR holds ncagentd, nccollectd and ncctl (by default the ones
# make builds), UNITDIR the regress binaries (obj/regress); make san
# puts both in obj-san, and then the sanitizers' options are set as
# make test sets them.  Root, like the tests.

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 1; }

bindir=
unitdir=obj/regress
if [ $# -gt 0 ] && [ "$1" != -- ]; then
	bindir=$1
	shift
fi
if [ $# -gt 0 ] && [ "$1" != -- ]; then
	unitdir=$1
	shift
fi
[ $# -gt 0 ] && [ "$1" = -- ] && shift
bin() {
	if [ -n "$bindir" ]; then
		echo "$root/$bindir/$1"
	else
		echo "$root/$1/$1"
	fi
}
case "$bindir" in
*san*)
	export NCAP_SANITIZER=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	;;
esac

work=$(mktemp -d /tmp/ncap-syscalls.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/trace"
# each daemon behind a script that has strace attach to it and then
# becomes the daemon: its pid stays the one the test started and waits
# for, and its signals reach it
for d in ncagentd nccollectd; do
	cat >"$work/bin/$d" <<EOF
#!/bin/sh
(setsid strace -ff -qq -s 64 -o "$work/trace/$d" -p \$\$ \\
    </dev/null >/dev/null 2>&1 &)
i=0
while grep -q '^TracerPid:[[:space:]]*0\$' /proc/\$\$/status &&
    [ \$i -lt 500 ]; do
	sleep 0.01
	i=\$((i + 1))
done
exec "$(bin "$d")" "\$@"
EOF
	chmod 755 "$work/bin/$d"
done

export NCAGENTD="$work/bin/ncagentd" NCCOLLECTD="$work/bin/nccollectd"
export NCCTL="$(bin ncctl)" UNITDIR="$root/$unitdir"
export NCFORGE="$UNITDIR/ncforge" REGRESS="$root/regress"
export CAPDIR="$root/regress/captures"
export CORPUS="${CORPUS:-$root/../shared/corpus/tcpdump-tests}"
export PYTHON="${PYTHON:-/usr/bin/python3}"

if [ $# -eq 0 ]; then
	set -- $(cd regress/integration && ls t_*.sh | sed 's/\.sh$//')
fi
for t in "$@"; do
	t=${t%.sh}
	sh "regress/integration/$t.sh" >"$work/$t.log" 2>&1
	printf '%-24s exit %d, %d not ok\n' "$t" $? \
	    "$(grep -c '^not ok' "$work/$t.log")"
done
# the tracers end with their daemons
i=0
while pgrep -f "strace -ff -qq -s 64 -o $work/trace" >/dev/null &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

"$PYTHON" - "$work/trace" <<'EOF'
import collections, os, re, sys

calls = collections.defaultdict(collections.Counter)
killed = []
for name in sorted(os.listdir(sys.argv[1])):
    daemon = name.split('.')[0]
    role, on, last = None, False, ''
    mine = collections.Counter()
    for line in open(os.path.join(sys.argv[1], name), errors='replace'):
        if line.startswith('execve('):
            m = re.search(r'"-P", "(\w+)"', line)
            role, on = (m.group(1) if m else None), False
            mine.clear()
        elif line.startswith('prctl(PR_SET_NO_NEW_PRIVS'):
            on = True
        elif line.startswith('seccomp(SECCOMP_SET_MODE_FILTER, 0,'):
            # the filter is on: what came before it does not count
            on = True
            mine.clear()
        elif 'killed by SIGSYS' in line:
            killed.append('%s %s: %s' % (daemon, role, last.strip()))
        elif on and role and not line.startswith(('+++', '---')):
            mine[line.split('(')[0]] += 1
            last = line
    if role:
        calls[daemon + ' ' + role].update(mine)
for r in sorted(calls):
    print('==', r)
    for c, k in sorted(calls[r].items()):
        print('\t%-20s %8d' % (c, k))
for k in killed:
    print('killed by SIGSYS, last call:', k)
EOF
