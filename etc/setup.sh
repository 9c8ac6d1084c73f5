#!/bin/sh
# Install what ncap needs to build and to run its tests on Debian 12.
# Run as root; it is idempotent.
set -e
export DEBIAN_FRONTEND=noninteractive

pkgs="make gcc libc6-dev pkg-config byacc protobuf-c-compiler
    libsodium-dev libpcap-dev libevent-dev zlib1g-dev libdeflate-dev
    libzstd-dev libprotobuf-c-dev libbsd-dev libmd-dev libseccomp-dev
    libnats-dev nats-server openssl
    tshark tcpdump mandoc clang iproute2 iputils-ping procps bc nftables
    python3 python3-nacl
    softflowd nfdump tcpreplay binutils
    debhelper dpkg-dev adduser"
# nats-server is what t_jetstream, t_sandbox and t_dumpstream use (output
# jetstream, ncctl dump -u), openssl makes t_jetstream's TLS certificates;
# where systemd runs, its package starts one of its own on port 4222,
# which they do not use
# softflowd, nfdump (nfcapd) and tcpreplay are what make bench and make
# bench-live compare with and drive; where systemd runs, nfdump's package
# also starts an nfcapd of its own on port 9995, which they do not use
# node and npm run the tweetnacl cross-check; keep a node that is there
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi

# the second NaCl implementation for the wire format test
cd "$(dirname "$0")/../regress/nacl"
if [ ! -d node_modules/tweetnacl ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
