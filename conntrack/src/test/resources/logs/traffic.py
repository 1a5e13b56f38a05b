#!/usr/bin/env python3
# hFT-FW test-log traffic generator (GPL-3.0-or-later). Run inside a network namespace made by
# record-samples.sh or record-demo.sh; it only talks to the addresses given on its command line.
# Every loop is bounded in count and time; every socket has a timeout.
import argparse, random, socket, struct, threading, time

def checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ping(dst, ident, count=1, gap=0.05, src=None):
    """ICMP (or ICMPv6) echo over a raw socket; returns the replies received."""
    v6 = ':' in dst
    fam, proto, etype = (socket.AF_INET6, socket.IPPROTO_ICMPV6, 128) if v6 else (socket.AF_INET, socket.IPPROTO_ICMP, 8)
    got = 0
    with socket.socket(fam, socket.SOCK_RAW, proto) as s:
        s.settimeout(1.0)
        if src:
            s.bind((src, 0))
        for seq in range(1, count + 1):
            pkt = struct.pack('!BBHHH', etype, 0, 0, ident, seq) + b'hftfw-ping'
            if not v6:  # the kernel fills in the ICMPv6 checksum itself
                pkt = pkt[:2] + struct.pack('!H', checksum(pkt)) + pkt[4:]
            s.sendto(pkt, (dst, 0))
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    data = s.recv(2048)
                except socket.timeout:
                    break
                icmp = data if v6 else data[(data[0] & 0x0f) * 4:]
                if icmp[0] in (0, 129) and struct.unpack('!H', icmp[4:6])[0] == ident:
                    got += 1
                    break
            time.sleep(gap)
    return got

def http_get(dst, port, path='/', src=None):
    fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(3.0)
        if src:
            s.bind((src, 0))
        s.connect((dst, port))
        s.sendall(('GET %s HTTP/1.0\r\nHost: hftfw\r\n\r\n' % path).encode())
        n = 0
        while True:
            d = s.recv(65536)
            if not d:
                return n
            n += len(d)

def tcp_refused(dst, port):
    fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        try:
            s.connect((dst, port))
            return False
        except ConnectionRefusedError:
            return True

def udp_exchange(dst, port, rounds=1, gap=0.02, src=None):
    fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
    got = 0
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.bind((src or ('::' if fam == socket.AF_INET6 else '0.0.0.0'), 0))
        for i in range(rounds):
            s.sendto(b'query %d' % i, (dst, port))
            try:
                s.recv(2048)
                got += 1
            except socket.timeout:
                pass
            time.sleep(gap)
    return got

def udp_oneway(dst, port):
    fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.sendto(b'no answer expected', (dst, port))

class Servers:
    """TCP 'HTTP/1.0' server (server closes first, like http.server) and UDP echo servers."""
    def __init__(self, addrs, tcp_port, udp_port):
        self.stop = threading.Event()
        self.threads = []
        for a in addrs:
            fam = socket.AF_INET6 if ':' in a else socket.AF_INET
            t = socket.socket(fam, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((a, tcp_port)); t.listen(64); t.settimeout(0.2)
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((a, udp_port)); u.settimeout(0.2)
            self.threads += [threading.Thread(target=self._tcp, args=(t,), daemon=True),
                             threading.Thread(target=self._udp, args=(u,), daemon=True)]
        for th in self.threads:
            th.start()

    def _tcp(self, srv):
        while not self.stop.is_set():
            try:
                c, _ = srv.accept()
            except socket.timeout:
                continue
            with c:
                c.settimeout(2.0)
                try:
                    c.recv(4096)
                    c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello')
                except OSError:
                    pass
        srv.close()

    def _udp(self, srv):
        while not self.stop.is_set():
            try:
                d, a = srv.recvfrom(2048)
            except socket.timeout:
                continue
            srv.sendto(b'answer ' + d, a)
        srv.close()

    def close(self):
        self.stop.set()
        for th in self.threads:
            th.join(2)

def samples(a):
    """A small fixed mix for the parser's test captures (about 1.5 s of traffic)."""
    srv = Servers([a.v4_server, a.v6_server], 8080, 5300)
    try:
        for _ in range(3):
            http_get(a.v4_server, 8080, src=a.v4_client)
        http_get(a.v6_server, 8080, src=a.v6_client)
        tcp_refused(a.v4_server, 9)                       # SYN answered by RST: CLOSE
        udp_exchange(a.v4_server, 5300, rounds=1, src=a.v4_client)    # request/response
        udp_exchange(a.v4_server, 5300, rounds=3, src=a.v4_client)    # a stream: ASSURED
        udp_exchange(a.v6_server, 5300, rounds=1, src=a.v6_client)
        udp_oneway(a.v4_server, 5353)                     # zone 7 (nft rule), never answered
        ping(a.v4_server, 0x1234, count=2, src=a.v4_client)
        ping(a.v6_server, 0x4321, count=1, src=a.v6_client)
        time.sleep(0.3)
    finally:
        srv.close()

def demo(a):
    """Client side of the demo: bounded by --seconds and by per-kind counts."""
    rnd = random.Random(a.seed)
    end = time.monotonic() + a.seconds
    stats = {'http': 0, 'udp': 0, 'ping': 0, 'long': 0, 'refused': 0}
    longs = []
    def long_flow(idx):
        # a long-lived TCP flow: connect, exchange a line every ~2 s, close near the end
        fam = socket.AF_INET6 if ':' in a.server else socket.AF_INET
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.settimeout(3.0)
            s.connect((a.server, a.echo_port))
            while time.monotonic() < end - 3 - idx * 2:
                s.sendall(b'keepalive\n')
                s.recv(100)
                time.sleep(2.0)
        stats['long'] += 1
    for i in range(a.long_flows):
        th = threading.Thread(target=long_flow, args=(i,), daemon=True)
        th.start(); longs.append(th)
    n = 0
    while time.monotonic() < end - 4 and n < a.max_actions:
        n += 1
        r = rnd.random()
        try:
            if r < 0.55 and stats['http'] < a.max_http:
                http_get(a.server, a.http_port, path=rnd.choice(['/', '/index.html', '/a', '/b']))
                stats['http'] += 1
            elif r < 0.80:
                udp_exchange(a.server, a.udp_port, rounds=rnd.choice([1, 1, 1, 3]))
                stats['udp'] += 1
            elif r < 0.93:
                ping(a.server, rnd.randrange(1, 65535), count=rnd.choice([1, 2, 3]), gap=0.2)
                stats['ping'] += 1
            else:
                tcp_refused(a.server, 9)
                stats['refused'] += 1
        except OSError as e:
            print('traffic error:', e)
        time.sleep(rnd.expovariate(1.0 / a.mean_gap))
    for th in longs:
        th.join(max(0.1, end - time.monotonic() + 1))
    print('demo traffic:', stats)

def echo_server(a):
    """A TCP line-echo server for the demo's long-lived flows, stopped by its parent (kill by PID)."""
    fam = socket.AF_INET6 if ':' in a.listen else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.listen, a.echo_port)); srv.listen(16)
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.bind((a.listen, a.udp_port))
    def serve(c):
        with c:
            while True:
                d = c.recv(1024)
                if not d:
                    return
                c.sendall(d)
    def serve_udp():
        while True:
            d, peer = udp.recvfrom(2048)
            udp.sendto(b'answer ' + d, peer)
    threading.Thread(target=serve_udp, daemon=True).start()
    deadline = time.monotonic() + a.seconds
    srv.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(c,), daemon=True).start()

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['samples', 'demo', 'echo-server'])
    p.add_argument('--v4-client'); p.add_argument('--v4-server')
    p.add_argument('--v6-client'); p.add_argument('--v6-server')
    p.add_argument('--server'); p.add_argument('--listen')
    p.add_argument('--http-port', type=int, default=8080)
    p.add_argument('--echo-port', type=int, default=7000)
    p.add_argument('--udp-port', type=int, default=5300)
    p.add_argument('--seconds', type=float, default=40)
    p.add_argument('--seed', type=int, default=20261126)
    p.add_argument('--long-flows', type=int, default=2)
    p.add_argument('--max-actions', type=int, default=200)
    p.add_argument('--max-http', type=int, default=120)
    p.add_argument('--mean-gap', type=float, default=0.25)
    a = p.parse_args()
    {'samples': samples, 'demo': demo, 'echo-server': echo_server}[a.mode](a)
