#!/usr/bin/env bash
# Records real answers of Debian's wireguard-go to UAPI requests, as fixtures for src/uapi/codec.test.ts.
#
# Needs root and the Debian packages wireguard-go, wireguard-tools and iproute2. Everything happens in two
# network namespaces this script creates and deletes (joined by a veth pair, no route out), so no packet
# leaves the machine. Keys are fresh, throwaway, and reach `wg` in files, never in argv.
#
#   sudo bash packages/wireguard/scripts/record-uapi-fixtures.sh [out-dir]
set -euo pipefail

out=${1:-"$(cd "$(dirname "$0")/.." && pwd)/src/uapi/fixtures"}
suffix=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
ns_hub="rwg-fixture-hub-$suffix"
ns_site="rwg-fixture-site-$suffix"
# /var/run/wireguard is shared between namespaces, so interface names must be unique on the host (max 15 chars).
if_hub="rwgh$suffix"
if_site="rwgs$suffix"
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$ns_hub" 2>/dev/null || true
  ip netns del "$ns_site" 2>/dev/null || true
  rm -f "/var/run/wireguard/$if_hub.sock" "/var/run/wireguard/$if_site.sock"
  rm -rf "$work"
}
trap cleanup EXIT

# Sends one raw request to a UAPI socket and prints the answer byte for byte, up to the blank line that ends it.
uapi() {
  node -e '
    const socket = require("node:net").connect(process.argv[1]);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(process.argv[2]));
    socket.on("data", (chunk) => {
      answer += chunk;
      if (answer === "\n" || answer.includes("\n\n")) { process.stdout.write(answer); socket.destroy(); }
    });
    socket.on("end", () => { process.stderr.write("early EOF\n"); process.exit(1); });
  ' "/var/run/wireguard/$1.sock" "$2"
}

start_device() { # namespace interface
  ip netns exec "$1" wireguard-go -f "$2" >"$work/$2.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do [[ -S "/var/run/wireguard/$2.sock" ]] && return 0; sleep 0.1; done
  echo "wireguard-go did not create its socket for $2" >&2
  cat "$work/$2.log" >&2
  return 1
}

ip netns add "$ns_hub"
ip netns add "$ns_site"
ip -n "$ns_hub" link set lo up
ip -n "$ns_site" link set lo up
ip link add "veth-h$suffix" netns "$ns_hub" type veth peer name "veth-s$suffix" netns "$ns_site"
ip -n "$ns_hub" addr add 192.0.2.1/24 dev "veth-h$suffix"
ip -n "$ns_site" addr add 192.0.2.2/24 dev "veth-s$suffix"
ip -n "$ns_hub" link set "veth-h$suffix" up
ip -n "$ns_site" link set "veth-s$suffix" up

start_device "$ns_hub" "$if_hub"
start_device "$ns_site" "$if_site"

mkdir -p "$out"
# A device as wireguard-go creates it: no key, no peers.
uapi "$if_hub" $'get=1\n\n' >"$out/wireguard-go-empty.txt"

umask 077
for name in hub site peer-c peer-d; do
  wg genkey >"$work/$name.key"
  wg pubkey <"$work/$name.key" >"$work/$name.pub"
done
wg genpsk >"$work/site.psk"

wg set "$if_hub" private-key "$work/hub.key" listen-port 51820 fwmark 0x1234 \
  peer "$(cat "$work/site.pub")" preshared-key "$work/site.psk" endpoint 192.0.2.2:51821 \
  allowed-ips 100.64.0.2/32,fd7a:115c:a1e0::2/128 persistent-keepalive 25 \
  peer "$(cat "$work/peer-c.pub")" endpoint '[2001:db8::c]:51820' allowed-ips 100.64.1.0/24,2001:db8:c::/48 \
  peer "$(cat "$work/peer-d.pub")" allowed-ips 10.0.0.1/24,FD00:0:0:0::1/64
wg set "$if_site" private-key "$work/site.key" listen-port 51821 \
  peer "$(cat "$work/hub.pub")" preshared-key "$work/site.psk" endpoint 192.0.2.1:51820 \
  allowed-ips 100.64.0.1/32 persistent-keepalive 25
ip -n "$ns_hub" addr add 100.64.0.1/32 dev "$if_hub"
ip -n "$ns_hub" link set "$if_hub" up
ip -n "$ns_hub" route add 100.64.0.2/32 dev "$if_hub"
ip -n "$ns_site" addr add 100.64.0.2/32 dev "$if_site"
ip -n "$ns_site" link set "$if_site" up
ip -n "$ns_site" route add 100.64.0.1/32 dev "$if_site"
# Traffic through the tunnel, so the answer has a handshake time and byte counters.
ip netns exec "$ns_site" ping -c 3 -i 0.2 -W 2 100.64.0.1 >/dev/null

uapi "$if_hub" $'get=1\n\n' >"$out/wireguard-go-hub.txt"
# An error as wireguard-go reports it: a value it cannot parse. (A command it does not know gets no answer at
# all: wireguard-go closes the connection, which the client's fault tests cover.)
uapi "$if_hub" $'set=1\nlisten_port=not-a-port\n\n' >"$out/wireguard-go-set-invalid.txt"
echo "recorded into $out"
