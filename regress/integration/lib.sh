# Shared by the integration tests: TAP output, a scratch directory with
# keys, and starting and stopping a collector and a sensor.

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; return 1; }
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else notok "$_d"; fi
}
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', want '$2')"; fi
}
skip() { n=$((n + 1)); echo "ok $n - # SKIP $*"; }
finish() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
}

# a scratch directory, removed at exit with every process we started
T=$(mktemp -d /tmp/ncap-t.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
# stopped (regress/run.sh interrupted): the same cleanup, by exit
trap 'exit 1' HUP INT TERM
mkdir -p "$T/empty" "$T/keys"
"$NCCTL" keygen "$T/keys" >/dev/null || { echo "Bail out! keygen"; exit 1; }

# the process has exited (a zombie waiting for us counts)
gone() {
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in
	""|Z*) return 0 ;;
	*) return 1 ;;
	esac
}

# kill_all PID: every process of the daemon PID, SIGKILL, and gone
kill_all() {
	_kids=$(pgrep -P "$1" | tr '\n' ' ')
	kill -KILL "$1" $_kids
	wait "$1" 2>/dev/null
	for _k in $_kids; do
		until_ok 10 gone "$_k"
	done
}

# kill_pids: SIGKILL to each daemon of PIDS and its children, the
# children first seen by their parent's pid, while it still has them
kill_pids() {
	for _p in $PIDS; do
		pkill -KILL -P "$_p" 2>/dev/null
		kill -KILL "$_p" 2>/dev/null
	done
}

# pid of the child of $1 started with role $2
child() {
	for _c in $(pgrep -P "$1"); do
		# setproctitle: "daemon: role"
		tr '\0' ' ' <"/proc/$_c/cmdline" | grep -q -- ": $2 " &&
		    { echo "$_c"; return; }
	done
}
# status PID FIELD: a field of /proc/PID/status
status() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# a UDP port no socket on this machine has: below the kernel's
# ephemeral ports (net.ipv4.ip_local_port_range), which a connected
# socket takes without listening, so that no sensor of a test running
# beside this one takes it before we bind it
free_port() {
	_lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${_lo:-0}" -gt 12000 ] || _lo=32768
	while :; do
		_p=$(( $(od -An -N2 -tu2 /dev/urandom) % (_lo - 10000) + 10000 ))
		ss -Huan "sport = :$_p" | grep -q . || { echo "$_p"; return; }
	done
}

# start_collector DIR [extra config lines]: sets CPID and CPORT
start_collector() {
	_dir=$1
	mkdir -p "$_dir"
	CPORT=$(free_port)
	cat >"$_dir/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $CPORT
keyfile "$T/keys/priv.key"
spool "$_dir/spool"
user "nobody"
chroot "$T/empty"
socket "$_dir/ctl.sock"
${2:-}
EOC
	"$NCCOLLECTD" -d -v -f "$_dir/nccollectd.conf" >"$_dir/collector.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	# the receiver is ready when the spool directory is its root
	_i=0
	while [ $_i -lt 100 ]; do
		ss -Huln "sport = :$CPORT" | grep -q . && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	echo "# collector did not start:"; sed 's/^/# /' "$_dir/collector.log"
	return 1
}

# stop_collector: SIGTERM, wait, the exit status is returned
stop_collector() {
	kill -TERM "$CPID"
	wait "$CPID"
}

# collect DIR ADDR PORT KEYDIR [NETNS [LINES]]: a collector of DIR/spool
# on ADDR PORT with the private key of KEYDIR, in the network namespace
# NETNS unless it is "", LINES more of its configuration; each start on
# the same DIR (a restart on its spool) logs to a new
# DIR/collector.N.log.  CPID, CLOG; fails, showing the log, if it has
# not said it started within W seconds (the test's bound on a wait, 20
# unless set) or exited before
collect() {
	mkdir -p "$1"
	cat >"$1/nccollectd.conf" <<EOC
listen on $2 port $3
keyfile "$4/priv.key"
spool "$1/spool"
user "nobody"
chroot "$T/empty"
socket "$1/ctl.sock"
${6:-}
EOC
	_k=1
	while [ -e "$1/collector.$_k.log" ]; do _k=$((_k + 1)); done
	CLOG=$1/collector.$_k.log
	# ip netns exec execs the daemon: CPID is its pid
	${5:+ip netns exec "$5"} "$NCCOLLECTD" -d -v -f "$1/nccollectd.conf" \
	    >"$CLOG" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	until_ok "${W:-20}" collect_ended
	grep -qs "collector started on" "$CLOG" && return
	echo "# collector did not start:"
	sed 's/^/# /' "$CLOG"
	return 1
}
# collect_ended: the collector of collect() said it started, or exited
collect_ended() {
	grep -qs "collector started on" "$CLOG" || gone "$CPID"
}

# sensor_conf DIR NAME [extra lines]: writes DIR/ncagentd.conf
sensor_conf() {
	mkdir -p "$1"
	cat >"$1/ncagentd.conf" <<EOC
name "$2"
collector 127.0.0.1 port $CPORT
collector-key "$T/keys/pub.key"
user "nobody"
chroot "$T/empty"
flush-interval 200ms
socket "$1/ctl.sock"
${3:-}
EOC
}

# run_sensor DIR NAME PCAP [extra lines]: replay a capture, wait for it
run_sensor() {
	sensor_conf "$1" "$2" "${4:-}"
	"$NCAGENTD" -d -v -f "$1/ncagentd.conf" -r "$3" >"$1/sensor.log" 2>&1
}

# totals of a sensor log: "type T: records N sent N ..." -> field value
sensor_stat() {
	sed -n "s/.*type $2:.* $3 \([0-9]*\).*/\1/p" "$1"
}
# types LOG: the record types of a sensor log's totals
types() { sed -n 's/.*type \([A-Za-z0-9]*\): records.*/\1/p' "$1"; }
# tsum LOG FIELD: a sensor log's per-type FIELD, summed over its types
tsum() {
	_s=0
	for _t in $(types "$1"); do
		_s=$((_s + $(sensor_stat "$1" "$_t" "$2")))
	done
	echo $_s
}
# total LOG NAME: a counter of either daemon's last totals line
total() {
	sed -n "s/.*totals:.* $2 \([0-9][0-9]*\).*/\1/p" "$1" | tail -n 1
}

# number of records in a .ncap file (the header line excluded)
nrecords() {
	if [ -f "$1" ]; then
		"$NCCTL" dump -j "$1" | tail -n +2 | wc -l
	else
		echo 0
	fi
}

# wait_ctl DIR: until the daemon of DIR/ctl.sock answers ncctl, 10 s at most
wait_ctl() {
	_i=0
	while ! "$NCCTL" -s "$1/ctl.sock" show stats >/dev/null 2>&1 &&
	    [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# start_live DIR [FLAGS]: a sensor of DIR/ncagentd.conf, capturing, once
# it answers ncctl; LIVE is its pid
start_live() {
	"$NCAGENTD" -d -v ${2:-} -f "$1/ncagentd.conf" >"$1/sensor.log" 2>&1 &
	LIVE=$!
	PIDS="$PIDS $LIVE"
	wait_ctl "$1"
}

# tmpfs_spool DIR SIZE: DIR/spool, a tmpfs of SIZE that the collector's
# user owns and others cannot write, unmounted at exit; if it cannot be
# mounted, the test is skipped, saying why, and ends here
tmpfs_spool() {
	TMPFS=$1/spool
	mkdir -p "$TMPFS"
	_o="size=$2,mode=0750,uid=$(id -u nobody),gid=$(id -g nobody)"
	if ! mount -t tmpfs -o "$_o" tmpfs "$TMPFS" 2>"$T/mount.err"; then
		skip "cannot mount a tmpfs for the spool: $(cat "$T/mount.err")"
		finish
		exit
	fi
	trap tmpfs_unmount EXIT
}
tmpfs_unmount() {
	for _p in $PIDS; do kill -KILL "$_p" 2>/dev/null; done
	tmpfs_release
	cleanup
}
# tmpfs_release: unmount TMPFS, which the receiver, a daemon's child,
# may hold a moment longer than its parent lives; lazily at last
tmpfs_release() {
	_i=0
	while ! umount "$TMPFS" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	mountpoint -q "$TMPFS" && umount -l "$TMPFS"
}

# a TCP port no socket on this machine has, below the ephemeral ports
# for the reason free_port() gives: a connection made beside us (to a
# NATS server, say) would take one of those
free_tcp() {
	_lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${_lo:-0}" -gt 12000 ] || _lo=32768
	while :; do
		_p=$(( $(od -An -N2 -tu2 /dev/urandom) % (_lo - 10000) + 10000 ))
		ss -Htan "sport = :$_p" | grep -q . || { echo "$_p"; return; }
	done
}
# NATS JetStream (t_jetstream.sh, t_replay.sh, t_consume.sh)

# need_nats: a test of NATS JetStream ends here, skipped and saying why,
# where nats-server is not installed
need_nats() {
	command -v nats-server >/dev/null 2>&1 && return
	skip "nats-server is not installed (apt-get install nats-server)"
	finish
	exit
}

# nats NAME PORT [ARGS]: a nats-server with JetStream on loopback, its
# data in $T/NAME, its log $T/NAME.log; NPID is its pid, once it listens
nats() {
	_name=$1 _port=$2
	shift 2
	nats-server -js -a 127.0.0.1 -p "$_port" -sd "$T/$_name" \
	    --server_name "$_name" "$@" >>"$T/$_name.log" 2>&1 &
	NPID=$!
	PIDS="$PIDS $NPID"
	_i=0
	while ! ss -Htln "sport = :$_port" | grep -q . && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
# cluster NAME: ports for a cluster of three nats-servers on loopback,
# client PI, route RI and monitoring MI (I 1 to 3), and URLS, the three
# client URLs; node I then starts node I (again), NPIDI its pid
cluster() {
	CLUSTER=$1
	P1=$(free_tcp) P2=$(free_tcp) P3=$(free_tcp)
	R1=$(free_tcp) R2=$(free_tcp) R3=$(free_tcp)
	M1=$(free_tcp) M2=$(free_tcp) M3=$(free_tcp)
	ROUTES=nats://127.0.0.1:$R1,nats://127.0.0.1:$R2,nats://127.0.0.1:$R3
	URLS=nats://127.0.0.1:$P1,nats://127.0.0.1:$P2,nats://127.0.0.1:$P3
}
node() {
	eval "_p=\$P$1 _r=\$R$1 _m=\$M$1"
	nats "n$1" "$_p" --cluster_name "$CLUSTER" \
	    --cluster "nats://127.0.0.1:$_r" --routes "$ROUTES" -m "$_m"
	eval "NPID$1=$NPID"
}
# cstat DIR KEY: a value of the show stats of the daemon of DIR, KEY a
# path through its sections (batches, jetstream.published)
cstat() {
	"$NCCTL" -s "$1/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
j, k = json.load(sys.stdin), sys.argv[1]
for p in k.split("."):
    j = j[p]
print(j)' "$2"
}
# jstat SOCK EXPR: a Python expression of `ncctl -j show stats` of the
# daemon of SOCK (j, the answer); fails if there is none
jstat() {
	"$NCCTL" -j -s "$1" show stats 2>/dev/null | "$PYTHON" -c 'import json, sys
try:
    j = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
print(eval(sys.argv[1]))' "$2"
}
# until_ok SECONDS CMD...: CMD succeeds within SECONDS, polled 20 times a
# second
until_ok() {
	_n=$(($1 * 20))
	shift
	_i=0
	until "$@"; do
		[ $_i -ge $_n ] && return 1
		sleep 0.05
		_i=$((_i + 1))
	done
}
# settle SECONDS CMD WANT: CMD's output once it is WANT, or its last
settle() {
	_i=0
	while _v=$(eval "$2"); [ "$_v" != "$3" ] && [ $_i -lt $(($1 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "$_v"
}
# steady CMD: CMD's output once it stays the same for half a second
# (within 10 s)
steady() {
	_i=0
	_was=$(eval "$1")
	while sleep 0.5; _v=$(eval "$1"); [ "$_v" != "$_was" ] && [ $_i -lt 20 ]; do
		_was=$_v
		_i=$((_i + 1))
	done
	echo "$_v"
}
# type_records DIR OUT: the records of every .ncap file under DIR (open
# ones of rotate too), a sorted file of JSON lines per record type in OUT
type_records() {
	mkdir -p "$2"
	for _f in $(find "$1" -type f \( -name '*.ncap' -o -name '*.ncap.open' \) |
	    sort); do
		_t=$(basename "$_f")
		_t=${_t%%.*}
		_t=${_t%%-*}
		"$NCCTL" dump -j "$_f" | tail -n +2 >>"$2/$_t.all" ||
		    echo "# $_f does not read"
	done
	sort_types "$2"
}
# sort_types DIR: each TYPE.all of DIR sorted into TYPE
sort_types() {
	for _f in "$1"/*.all; do
		[ -e "$_f" ] || continue
		LC_ALL=C sort -o "${_f%.all}" "$_f"
		rm "$_f"
	done
}
# verdict NAME REF RUN: RUN's records against REF's (type_records
# directories), as multisets: none duplicated, lost or foreign
verdict() {
	"$PYTHON" "$REGRESS/integration/multiset.py" "$2" "$3" >"$3.cmp"
	set -- "$1" $(awk '$1 == "total" { print $3, $5, $7, $9, $11 }' \
	    "$3.cmp")
	echo "# $1: reference $2 records, got $3, duplicated $4, lost $5," \
	    "foreign $6"
	is "$4/$5/$6" 0/0/0 \
	    "$1: each record of the reference once, and no other ($3 of $2)"
}
