#!/bin/sh
# Packaging: the Debian packages build from this tree, install cleanly
# (users, directories, keys, configuration), the collector starts from
# its rc script, stores what the packaged sensor sends, answers ncctl,
# reloads and stops; purging takes the packages and their files away.
# It changes the machine it runs on, so it runs once, in the plain
# pass, and leaves the machine as it found it.
. "$REGRESS/integration/lib.sh"

if [ -n "${NCAP_SANITIZER:-}" ]; then
	skip "packages are built and tried once, in the plain pass"
	finish
	exit
fi
# a machine without the Debian tools cannot build packages: that is
# not a fault of the tree, so say what is missing and skip
for c in dpkg-buildpackage dh; do
	if ! command -v $c >/dev/null; then
		skip "$c missing: run etc/setup.sh"
		finish
		exit
	fi
done
# a machine where ncap is installed (by these packages or by make
# install) keeps it: the test would have to replace and purge it
for f in /usr/sbin/nccollectd /usr/local/sbin/nccollectd \
    /etc/nccollectd.conf /etc/ncagentd.conf /etc/ncap; do
	if [ -e "$f" ]; then
		skip "ncap is installed on this machine ($f exists):" \
		    "the packages are tried only where nothing of it is"
		finish
		exit
	fi
done
ROOT=$(cd "$REGRESS/.." && pwd)
spool_was=no
[ -e /var/spool/ncap ] && spool_was=yes
purge() {
	rm -f /etc/ncap/collector.pub
	/etc/init.d/nccollectd stop >/dev/null 2>&1
	dpkg --purge ncap-agent ncap-collector ncap-common >/dev/null 2>&1
	[ $spool_was = no ] && rm -rf /var/spool/ncap
}
trap 'purge; cleanup' EXIT

# -- build, from a copy of the tree without build products
mkdir -p "$T/src"
(cd "$ROOT" && tar cf - --exclude=./obj --exclude=./obj-san \
    --exclude=./obj-fuzz --exclude=./demo --exclude=./.git \
    --exclude=./regress/nacl/node_modules --exclude=./ncagentd/ncagentd \
    --exclude=./nccollectd/nccollectd --exclude=./ncctl/ncctl .) |
    (cd "$T/src" && tar xf -)
(cd "$T/src" && dpkg-buildpackage -us -uc -b -j2) >"$T/build.log" 2>&1
if ! is $? 0 "dpkg-buildpackage -us -uc -b builds"; then
	tail -20 "$T/build.log" | sed 's/^/# /'
	echo "Bail out! no packages"
	exit 1
fi
for p in ncap-common ncap-agent ncap-collector; do
	check "$p built" [ -f "$T/${p}_0.1.0_$(dpkg --print-architecture).deb" ]
done
check "no compiler warning in the build" \
    sh -c "! grep -q 'warning:' '$T/build.log' || ! grep 'warning:' '$T/build.log' | grep -qv dpkg-gencontrol"

# -- install
dpkg -i "$T"/ncap-common_*.deb "$T"/ncap-collector_*.deb \
    "$T"/ncap-agent_*.deb >"$T/install.log" 2>&1
if ! is $? 0 "the three packages install"; then
	tail -20 "$T/install.log" | sed 's/^/# /'
	echo "Bail out! the packages do not install"
	exit 1
fi
for f in /usr/sbin/ncagentd /usr/sbin/nccollectd /usr/sbin/ncctl \
    /etc/init.d/ncagentd /etc/init.d/nccollectd \
    /lib/systemd/system/ncagentd.service /lib/systemd/system/nccollectd.service \
    /usr/share/man/man8/ncctl.8.gz /usr/share/man/man5/nccollectd.conf.5.gz; do
	check "$f is installed" [ -e "$f" ]
done
for u in _ncagentd _nccollectd; do
	check "user $u exists" sh -c "id '$u' >/dev/null"
done
is "$(stat -c '%U %a' /var/spool/ncap)" "_nccollectd 750" \
    "the spool belongs to _nccollectd, mode 0750"
is "$(stat -c '%a' /etc/ncap/priv.key /etc/ncap/sensor/priv.key | tr '\n' ' ')" \
    "600 600 " "the collector's and the sensor's keys were made, mode 0600"
check "the installed configurations parse" \
    sh -c '/usr/sbin/nccollectd -nn >/dev/null 2>&1 && /usr/sbin/ncagentd -nn -i lo >/dev/null 2>&1'
check "the installed collector's configuration passes -n" \
    sh -c '/usr/sbin/nccollectd -n >/dev/null 2>&1'
/usr/sbin/ncagentd -n -i lo >/dev/null 2>"$T/n.err"
is $? 1 "the sensor's does not, without the collector's key"
check "saying so" grep -q \
    "collector-key: /etc/ncap/collector.pub: No such file or directory" "$T/n.err"
# the README's step: the collector's public key, copied to the sensor
cp /etc/ncap/pub.key /etc/ncap/collector.pub
check "with it, the sensor's passes -n" \
    sh -c '/usr/sbin/ncagentd -n -i lo >/dev/null 2>&1'
rm /etc/ncap/collector.pub
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify passes the units" systemd-analyze verify \
	    /lib/systemd/system/ncagentd.service /lib/systemd/system/nccollectd.service
else
	skip "systemd-analyze is not installed"
fi

# -- run: the collector lists the packaged sensor's key
P=$(free_port)
sed -i "s/^listen on .*/listen on 127.0.0.1 port $P/" /etc/nccollectd.conf
echo "sensor pkgsensor key $(cat /etc/ncap/sensor/pub.key)" >>/etc/nccollectd.conf
/etc/init.d/nccollectd start >/dev/null 2>"$T/start.err"
is $? 0 "the rc script starts nccollectd" ||
    sed 's/^/# /' "$T/start.err"
i=0
while [ ! -S /run/nccollectd.sock ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the rc script says it runs" \
    sh -c '/etc/init.d/nccollectd status >/dev/null'
cat >"$T/agent.conf" <<EOC
name "somename"
collector 127.0.0.1 port $P
collector-key "/etc/ncap/pub.key"
keyfile "/etc/ncap/sensor/priv.key"
socket "$T/agent.sock"
flush-interval 200ms
EOC
# -w: without a collector that answers, it gives up rather than wait
/usr/sbin/ncagentd -d -f "$T/agent.conf" -r "$CAPDIR/decode-ether.pcap" -w 20 \
    >"$T/agent.log" 2>&1
is $? 0 "the packaged sensor replays a capture to it"
sent=0
for t in $(sed -n 's/.*type \([A-Za-z0-9]*\): records.*/\1/p' "$T/agent.log"); do
	sent=$((sent + $(sensor_stat "$T/agent.log" "$t" sent)))
done
sleep 0.5
/usr/sbin/ncctl -j show stats >"$T/stats.json"
is $? 0 "ncctl show stats finds the collector's socket by itself"
is "$("$PYTHON" -c 'import json, sys; j = json.load(open(sys.argv[1]))
print(j["records"], j["sensors-listed"])' "$T/stats.json")" "$sent 1" \
    "it stored the $sent records sent, from its one listed sensor"
check "under the listed name" [ -f /var/spool/ncap/pkgsensor/Ethernet.ncap ]
is "$(/etc/init.d/nccollectd reload)" \
    "reloaded /etc/nccollectd.conf: 1 sensors listed" "the rc script reloads"
/etc/init.d/nccollectd stop >/dev/null
is $? 0 "the rc script stops it"
i=0
while start-stop-daemon --status --exec /usr/sbin/nccollectd &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "no process of the packaged nccollectd is left" \
    sh -c '! start-stop-daemon --status --exec /usr/sbin/nccollectd'
check "its control socket is gone" [ ! -e /run/nccollectd.sock ]

# -- purge
dpkg --purge ncap-agent ncap-collector ncap-common >"$T/purge.log" 2>&1
is $? 0 "the packages purge"
for f in /usr/sbin/ncagentd /usr/sbin/nccollectd /usr/sbin/ncctl \
    /etc/nccollectd.conf /etc/ncagentd.conf /etc/init.d/nccollectd /etc/ncap; do
	check "$f is gone" [ ! -e "$f" ]
done
finish
