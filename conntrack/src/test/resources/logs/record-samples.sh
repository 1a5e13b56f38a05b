#!/usr/bin/env bash
# Records the parser's test captures (events-*.log, list-*.txt) in this folder.
# Needs root, iproute2, nftables, conntrack (conntrack-tools) and python3. Takes about 6 s.
# Everything happens inside one throw-away network namespace named hmtS<random>; nothing is sent
# outside it. Processes are stopped by PID and the namespace is deleted on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
ns="hmtS$RANDOM$RANDOM"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
in_ns ip link set lo up
in_ns ip addr add 10.201.0.1/32 dev lo
in_ns ip addr add 10.201.0.2/32 dev lo
in_ns ip -6 addr add fd00:201::1/128 dev lo nodad
in_ns ip -6 addr add fd00:201::2/128 dev lo nodad
# per-namespace conntrack settings: accounting (packets=/bytes=), timestamps (delta-time=), a short TIME_WAIT
in_ns sysctl -q -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1 \
  net.netfilter.nf_conntrack_tcp_timeout_time_wait=1
# The ruleset makes the namespace track connections at all, puts UDP to port 5353 in zone 7 and marks
# TCP/8080 connections with 42 (conntrack prints zone= and mark=).
in_ns nft -f - <<'NFT'
table inet hmt {
  chain pre { type filter hook prerouting priority raw; udp dport 5353 ct zone set 7; }
  chain out { type filter hook output priority raw; udp dport 5353 ct zone set 7; }
  chain in  { type filter hook input priority 0; ct state established,related accept; tcp dport 8080 ct mark set 0x2a; }
}
NFT

listen() { # $1 = file name, rest = conntrack -o argument
  local f="$1"; shift
  # ip netns exec execs conntrack in place, so $! is conntrack's own PID
  ip netns exec "$ns" conntrack -E "$@" >"$out/$f" 2>"$out/$f.stderr" &
  pids+=("$!")
}
listen events-timestamp.log -o timestamp
listen events-timestamp-id.log -o timestamp,id
listen events-extended-timestamp-id.log -o extended,timestamp,id
listen events-extended.log -o extended
listen events-id.log -o id
listen events-timestamp-ktimestamp-id.log -o timestamp,ktimestamp,id
sleep 0.5

timeout 20 ip netns exec "$ns" python3 "$here/traffic.py" samples \
  --v4-client 10.201.0.1 --v4-server 10.201.0.2 --v6-client fd00:201::1 --v6-server fd00:201::2
sleep 2.5   # TIME_WAIT (1 s) entries are destroyed by the kernel's GC
in_ns conntrack -L >"$out/list.txt" 2>/dev/null
in_ns conntrack -L -o extended,id >"$out/list-extended-id.txt" 2>/dev/null
in_ns conntrack -F 2>/dev/null   # the rest are destroyed by userspace: [USERSPACE] portid=... progname=...
sleep 0.5
cleanup
pids=()
rm -f "$out"/*.stderr
for f in "$out"/events-*.log "$out"/list*.txt; do
  printf '%-36s %3d lines, NEW %2d, UPDATE %2d, DESTROY %2d\n' "$(basename "$f")" "$(wc -l <"$f")" \
    "$(grep -c '\[NEW\]' "$f" || true)" "$(grep -c '\[UPDATE\]' "$f" || true)" "$(grep -c '\[DESTROY\]' "$f" || true)"
done
