#!/usr/bin/env bash
# Records the demo conntrack event log (sidecar/src/main/resources/demo/events.log) on a small routed
# topology of three throw-away network namespaces:
#   hmtc<R> client 10.202.1.10 --veth-- 10.202.1.1 hmtf<R> firewall 10.202.2.1 --veth-- 10.202.2.10 hmts<R> server
# The firewall forwards with an nftables stateful ruleset; `conntrack -E -o timestamp,id` runs in it.
# Needs root, iproute2, nftables, conntrack and python3. Bounded: the traffic runs SECONDS (default 40) s and
# is killed after SECONDS+30 s at the latest; the whole script takes about SECONDS+8 s. Every process it
# starts is stopped by PID and the three namespaces are deleted on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../../../../sidecar/src/main/resources/demo/events.log}"
seconds="${SECONDS_OF_TRAFFIC:-40}"
seed="${SEED:-20261126}"
r="$RANDOM$RANDOM"
C="hmtc$r"; F="hmtf$r"; S="hmts$r"
pids=()
stopflag="$(mktemp -d /tmp/hmt-demo.XXXXXX)"
cleanup() {
  [ -d "$stopflag" ] && touch "$stopflag/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for n in "$C" "$F" "$S"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$stopflag"
}
trap cleanup EXIT

for n in "$C" "$F" "$S"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add c0 netns "$C" type veth peer name f0 netns "$F"
ip link add f1 netns "$F" type veth peer name s0 netns "$S"
ip -n "$C" addr add 10.202.1.10/24 dev c0; ip -n "$C" link set c0 up
ip -n "$F" addr add 10.202.1.1/24 dev f0;  ip -n "$F" link set f0 up
ip -n "$F" addr add 10.202.2.1/24 dev f1;  ip -n "$F" link set f1 up
ip -n "$S" addr add 10.202.2.10/24 dev s0; ip -n "$S" link set s0 up
ip -n "$C" route add default via 10.202.1.1
ip -n "$S" route add default via 10.202.2.1
ip netns exec "$F" sysctl -q -w net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_timeout_time_wait=2
ip netns exec "$F" nft -f - <<'NFT'
table inet hmtfw {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state invalid drop
    ct state established,related accept
    iifname "f0" ct state new accept
  }
}
NFT

# servers (each exec'ed in place by ip netns exec, so $! is the server's own PID)
ip netns exec "$S" python3 -m http.server 8080 --bind 10.202.2.10 --directory "$here" >/dev/null 2>&1 &
pids+=("$!")
ip netns exec "$S" python3 "$here/traffic.py" echo-server --listen 10.202.2.10 --echo-port 7000 \
  --udp-port 5300 --seconds $((seconds + 20)) >/dev/null 2>&1 &
pids+=("$!")
ip netns exec "$F" conntrack -E -o timestamp,id >"$out" 2>/dev/null &
pids+=("$!")
# The kernel's GC reaps expired entries lazily (the testbed saw DESTROY up to a minute after expiry), but a
# table dump reaps the expired entries it meets. One dump per second (like a monitoring agent) makes DESTROY
# follow expiry within about a second. Bounded by count; stopped through the flag file, then waited for.
reaper() {
  local i=0
  while [ ! -e "$stopflag/stop" ] && [ "$i" -lt $((seconds + 40)) ]; do
    ip netns exec "$F" conntrack -L >/dev/null 2>&1 || true
    sleep 1; i=$((i + 1))
  done
}
reaper &
reaper_pid=$!
sleep 1

timeout $((seconds + 30)) ip netns exec "$C" python3 "$here/traffic.py" demo --server 10.202.2.10 \
  --http-port 8080 --echo-port 7000 --udp-port 5300 --seconds "$seconds" --seed "$seed" \
  --long-flows 2 --max-actions 200 --max-http 120 --mean-gap 0.25
sleep 4   # the last TIME_WAIT (2 s) entries expire and are reaped
touch "$stopflag/stop"; wait "$reaper_pid" || true
cleanup
pids=()
printf '%s: %d lines, NEW %d, UPDATE %d, DESTROY %d\n' "$out" "$(wc -l <"$out")" \
  "$(grep -c '\[NEW\]' "$out" || true)" "$(grep -c '\[UPDATE\]' "$out" || true)" "$(grep -c '\[DESTROY\]' "$out" || true)"
