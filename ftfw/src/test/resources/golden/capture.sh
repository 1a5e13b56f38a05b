#!/usr/bin/env bash
# Captures FT-FW datagrams sent by a stock conntrackd primary to a stock conntrackd backup over a veth sync link
# between two namespaces of our own (hff-capa-*/hff-capb-*). Entries are injected into the primary's kernel table
# with `conntrack -I` and replicated by conntrackd as kernel events; then `conntrackd -B` bulk-sends them again.
# Writes capture.pcap and one hex line per UDP payload (primary -> backup) to OUT (default: this folder).
set -euo pipefail
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
SUF=$(printf '%04x' $((RANDOM)))
A=hff-capa-$SUF; B=hff-capb-$SUF; RUN=$(mktemp -d /tmp/hff-cap.XXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
ip netns add "$A"; ip netns add "$B"
ip link add sync netns "$A" type veth peer name sync netns "$B"
for n in "$A:1" "$B:2"; do
  ns=${n%%:*}; i=${n##*:}
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add 10.231.0.$i/24 dev sync
  ip -n "$ns" link set sync up
  ip -n "$ns" addr add fd00:231::$i/64 dev sync nodad
  peer=$((3-i))
  cat > "$RUN/$ns.conf" <<CONF
Sync {
	Mode FTFW {
		DisableExternalCache Off
	}
	UDP {
		IPv4_address 10.231.0.$i
		IPv4_Destination_Address 10.231.0.$peer
		Port 3780
		Interface sync
		Checksum on
	}
}
General {
	HashSize 32768
	HashLimit 262144
	LogFile $RUN/$ns.log
	Syslog off
	LockFile $RUN/$ns.lock
	UNIX { Path $RUN/$ns.ctl }
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	Filter From Userspace {
		Address Ignore {
			IPv4_address 127.0.0.1
			IPv4_address 10.231.0.0/24
		}
	}
}
CONF
done
ip netns exec "$B" tcpdump -q -U -i sync -w "$RUN/capture.pcap" udp and src host 10.231.0.1 and dst port 3780 2>/dev/null &
PIDS+=($!)
ip netns exec "$B" conntrackd -C "$RUN/$B.conf" >/dev/null 2>&1 & PIDS+=($!)
ip netns exec "$A" conntrackd -C "$RUN/$A.conf" >/dev/null 2>&1 & PIDS+=($!)
sleep 1.5
ctI() { ip netns exec "$A" conntrack -I "$@" >/dev/null 2>&1 || echo "conntrack -I $* failed" >&2; }
ctI -p tcp -s 10.40.0.1 -d 10.40.0.2 --sport 40000 --dport 80 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 600 -m 42
ctI -p udp -s 10.40.0.3 -d 10.40.0.4 --sport 5353 --dport 53 -t 30
ctI -p icmp -s 10.40.0.5 -d 10.40.0.6 --icmp-type 8 --icmp-code 0 --icmp-id 24163 -t 29
ctI -p tcp -s fd00:40::1 -d fd00:40::2 --sport 41000 --dport 443 --state SYN_SENT -t 120
ctI -p tcp -s 10.40.0.7 -d 10.40.0.8 --sport 42000 --dport 22 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 -w 7
ctI -p udp -s 10.40.0.9 -d 10.40.0.10 --sport 1000 --dport 2000 -t 60 --src-nat 10.40.9.9
ctI -p tcp -s 10.40.0.11 -d 10.40.0.12 --sport 43000 --dport 8080 --state ESTABLISHED -u SEEN_REPLY -t 300 --dst-nat 10.40.9.12
ctI -p icmpv6 -s fd00:40::3 -d fd00:40::4 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 7 -t 30
sleep 1.5
ip netns exec "$A" conntrack -D -p udp -s 10.40.0.3 -d 10.40.0.4 --sport 5353 --dport 53 >/dev/null 2>&1 || true
sleep 1.5
ip netns exec "$A" conntrackd -C "$RUN/$A.conf" -B
sleep 2
ip netns exec "$A" conntrack -L -o extended 2>/dev/null > "$OUT/kernel-table.txt" || true
ip netns exec "$B" conntrackd -C "$RUN/$B.conf" -e > "$OUT/backup-external-cache.txt" || true
kill "${PIDS[0]}"; sleep 0.5
cp "$RUN/capture.pcap" "$OUT/capture.pcap"
python3 - "$RUN/capture.pcap" > "$OUT/datagrams.hex" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
magic = struct.unpack('<I', d[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
linktype = struct.unpack(e + 'I', d[20:24])[0]
off = 24
while off + 16 <= len(d):
    ts, tu, incl, orig = struct.unpack(e + 'IIII', d[off:off + 16]); off += 16
    pkt = d[off:off + incl]; off += incl
    p = pkt[14:] if linktype == 1 else pkt
    if p[0] >> 4 != 4: continue
    ihl = (p[0] & 15) * 4
    udp = p[ihl:]
    ulen = struct.unpack('>H', udp[4:6])[0]
    print(udp[8:ulen].hex())
PY
wc -l "$OUT/datagrams.hex"
