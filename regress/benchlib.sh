# Shared by make bench and make bench-live (regress/bench*.sh): failing
# with a reason, the tools a run needs, a header that names the machine,
# and a sampler of each process's peak memory and CPU time that costs
# the processes it watches next to nothing.

# fail MESSAGE: stop, saying why; the caller's EXIT trap cleans up
fail() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# need TOOL...: every TOOL is on PATH, or fail naming the one that is not
need() {
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 ||
		    fail "$_t not found: etc/setup.sh installs it"
	done
}

# header TITLE: what runs, on what and when.  The load average is there
# because the machine may be shared: figures taken beside another
# benchmark are worth less, and the reader should know.
header() {
	_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed 1q)
	printf '== %s, %s\n' "$1" "$(date '+%Y-%m-%d %H:%M:%S %Z')"
	printf 'machine           %s: %s CPUs (nproc), %s\n' "$(uname -n)" \
	    "$(nproc)" "${_cpu:-CPU model unknown}"
	loadavg "at start"
}

# loadavg WHEN: the 1, 5 and 15 minute load averages now
loadavg() {
	printf 'load average      %s (1, 5, 15 min) %s\n' \
	    "$(cut -d' ' -f1-3 /proc/loadavg)" "$1"
}

# bench_dir: B, the benchmarks' directory under obj/, with an empty
# chroot and the key pairs of the collector and of the sensor, made once
bench_dir() {
	B=$root/obj/bench
	mkdir -p "$B/empty" "$B/keys" "$B/skeys"
	chmod 755 "$B" "$B/empty"
	[ -f "$B/keys/priv.key" ] || ./ncctl/ncctl keygen "$B/keys"
	# the sensor has an identity the collector lists, as deployed
	[ -f "$B/skeys/priv.key" ] || ./ncctl/ncctl keygen "$B/skeys"
}

# bench_capture N: cap, a capture of genbig.py's mix of N frames, made
# once and kept in B, and frames, the number genbig.py counted
bench_capture() {
	cap=$B/bench-$1.pcap
	if [ ! -f "$cap" ] || [ ! -s "$cap.expect" ]; then
		echo "generating $1 frames..."
		# under another name: an interrupted run leaves no short one
		/usr/bin/python3 regress/captures/genbig.py "$cap.tmp" "$1" 42 \
		    >"$cap.expect" || fail "genbig.py could not write $cap"
		mv "$cap.tmp" "$cap"
	fi
	frames=$(sed -n 's/^Ethernet //p' "$cap.expect")
}

# ncap_conf DIR PORT [LINE...]: DIR/nccollectd.conf, a collector on the
# loopback's PORT that lists the sensor, and DIR/ncagentd.conf, the
# sensor sending to it, with LINEs added; the spool and the control
# sockets in DIR
ncap_conf() {
	_dir=$1
	_port=$2
	shift 2
	cat >"$_dir/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $_port
keyfile "$B/keys/priv.key"
spool "$_dir/spool"
user "nobody"
chroot "$B/empty"
socket "$_dir/collector.sock"
sensor bench key $(tr -d '\n' <"$B/skeys/pub.key")
${SYNC:+sync $SYNC}
EOC
	cat >"$_dir/ncagentd.conf" <<EOC
name "bench"
collector 127.0.0.1 port $_port
collector-key "$B/keys/pub.key"
keyfile "$B/skeys/priv.key"
user "nobody"
chroot "$B/empty"
socket "$_dir/sensor.sock"
EOC
	for _l in "$@"; do
		echo "$_l" >>"$_dir/ncagentd.conf"
	done
}

# elapsed START END: the seconds between two date +%s.%N
elapsed() {
	echo "$2 - $1" | bc -l
}

# totals LOG FIELD: FIELD of the totals line a daemon logs as it exits
totals() {
	sed -n "s/.*totals:.* $2 \([0-9]*\).*/\1/p" "$1"
}

# typesum LOG FIELD: FIELD summed over the sensor's lines per record type
typesum() {
	sed -n "s/.*type [A-Za-z0-9]*:.* $2 \([0-9]*\).*/\1/p" "$1" |
	    paste -sd+ | bc
}

# procname PID: the name a process goes by in the figures.  One of our
# daemons by its title, "ncagentd: capture" as ncagentd:capture, and a
# child that has not set it yet by its -P role; anything else by the base
# name of its program.
procname() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | awk '{
		n = $1
		sub(".*/", "", n)
		if (n ~ /:$/) {
			print n $2
			exit
		}
		for (i = 2; i < NF; i++)
			if ($i == "-P") {
				print n ":" $(i + 1)
				exit
			}
		print n
	}'
}

# sample OUT PID...: every 0.1 s until each PID has ended, append to OUT
# a line "pid name VmHWM-kB cpu-ticks Pss-kB round" for each PID and each
# of its children.  VmHWM counts every page a process has mapped, the
# shared libraries' too, once in each process; Pss shares them out among
# the processes that map them, so that the Pss of a daemon's processes
# in one round adds up to what it takes of the machine's memory.  A
# round runs only the shell's own read and echo (and sleep), so that
# watching does not take a core from a run on a small machine.
# A process's name is looked up once, when it is first seen, 0.1 s or
# more after it was started: it has exec'd by then.  What a process does
# in its last 0.1 s is missed: its peak is at least what is printed, its
# CPU time up to 0.1 s more.
sample() {
	_out=$1
	shift
	_round=0
	while sleep 0.1; do
		_up=
		_round=$((_round + 1))
		for _p in "$@"; do
			[ -d "/proc/$_p" ] || continue
			_up=1
			sampletree "$_p" >>"$_out"
		done
		[ -n "$_up" ] || break
	done
}

# sampletree PID: sample1 of PID and of each of its children
sampletree() {
	_kids=
	# children of the process's main thread: our daemons and the
	# tools here fork from it
	read -r _kids 2>/dev/null <"/proc/$1/task/$1/children" || :
	for _q in $1 $_kids; do
		sample1 "$_q"
	done
}

# sample1 PID: one line of sample, or none if PID has just ended
sample1() {
	eval "_n=\${name_$1:-}"
	if [ -z "$_n" ]; then
		_n=$(procname "$1")
		[ -n "$_n" ] || return 0
		eval "name_$1=\$_n"
	fi
	_h=
	# a zombie's status has no VmHWM: then nothing is printed
	{ while read -r _k _v _; do
		[ "$_k" = VmHWM: ] && _h=$_v && break
	done; } 2>/dev/null <"/proc/$1/status" || return 0
	# utime and stime are the 14th and 15th fields of stat; the
	# second, (comm), has no space in it for any process here
	read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _u _s _ 2>/dev/null \
	    <"/proc/$1/stat" || return 0
	_pss=0
	{ while read -r _k _v _; do
		[ "$_k" = Pss: ] && _pss=$_v && break
	done; } 2>/dev/null <"/proc/$1/smaps_rollup" || :
	[ -n "$_h" ] && echo "$1 $_n $_h $((_u + _s)) $_pss ${_round:-0}"
	return 0
}

# peaks FILE...: from sample's lines, "pid name kB", each process's peak
# resident memory
peaks() {
	awk '{ n[$1] = $2; if ($3 > h[$1]) h[$1] = $3 }
	    END { for (p in n) print p, n[p], h[p] }' "$@"
}

# memory FILE...: each process's peak resident memory (as bench.sh always
# printed it), then each daemon's: the sum of its processes' peaks (all
# that have its name before a colon), and its peak Pss (daemonpss)
memory() {
	echo "peak resident memory (VmHWM):"
	peaks "$@" | awk '{ if ($3 > m[$2]) m[$2] = $3 }
	    END { for (p in m) printf "  %-28s %6d kB\n", p, m[p] }' | sort
	peaks "$@" | awk '{ sub(":.*", "", $2); s[$2] += $3; c[$2]++ }
	    END { for (d in s) printf "  %-28s %6d kB\n",
	    d " (" c[d] (c[d] > 1 ? " processes)" : " process)"), s[d] }' |
	    sort
	echo "peak proportional set size (Pss, all of a daemon's processes" \
	    "in one sample):"
	for _d in $(awk '{ sub(":.*", "", $2); print $2 }' "$@" | sort -u); do
		printf '  %-28s %6d kB\n' "$_d" "$(daemonpss "$_d" "$@")"
	done
}

# daemonpss NAME FILE...: NAME's processes' Pss summed in each sample,
# the largest sum, kB
daemonpss() {
	_d=$1
	shift
	awk -v d="$_d" '{ sub(":.*", "", $2) } $2 == d { s[$6] += $5 }
	    END { for (r in s) if (s[r] > m) m = s[r]; print m + 0 }' "$@"
}

# daemonkb NAME FILE...: the sum of the peaks of NAME's processes, kB
daemonkb() {
	_d=$1
	shift
	peaks "$@" | awk -v d="$_d" '{ sub(":.*", "", $2) }
	    $2 == d { s += $3 } END { print s + 0 }'
}

# cputime FILE...: from sample's lines, each process's CPU time, user
# and system, where the time went
cputime() {
	_tck=$(getconf CLK_TCK)
	echo "cpu time (user+system, to the last 0.1 s sample):"
	awk -v tck="$_tck" '{ n[$1] = $2; if ($4 > t[$1]) t[$1] = $4 }
	    END { for (p in n) c[n[p]] += t[p]
	    for (x in c) printf "  %-28s %6.2f s\n", x, c[x] / tck }' "$@" |
	    sort
}
