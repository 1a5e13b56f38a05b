package org.hftfw.models.lab;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.hftfw.conntrack.lab.NetnsLab;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.netlink.NetlinkSocket;

/**
 * A userspace delay line on NFQUEUE (this kernel has no netem): packets the firewall queues with
 * iptables' {@code NFQUEUE} target are held for their client's RTT and then accepted, in arrival order per
 * client.
 * It speaks nfnetlink_queue directly over the project's NETLINK_NETFILTER socket (FFM, conntrack module) (the same
 * protocol libnetfilter_queue wraps: include/uapi/linux/netfilter/nfnetlink_queue.h).
 *
 * <p>Runs as its own process inside the firewall namespace ({@code ip netns exec fw java … NfqueueDelayLine
 * <queue> <client-prefix> <rtt-ms-of-client-0> …}); it prints "ready" once bound and exits on SIGTERM or
 * after {@code HFTFW_DELAY_MAX_SECONDS} (default 600 s). The rules use {@code --queue-bypass} and the queue
 * is fail-open, so packets flow undelayed, never dropped, if this process is gone or the queue overflows.
 */
public final class NfqueueDelayLine {
    private static final int NFNL_SUBSYS_QUEUE = 3;
    private static final int NFQNL_MSG_PACKET = 0;
    private static final int NFQNL_MSG_VERDICT = 1;
    private static final int NFQNL_MSG_CONFIG = 2;
    private static final int NFQA_CFG_CMD = 1;
    private static final int NFQA_CFG_PARAMS = 2;
    private static final int NFQA_CFG_QUEUE_MAXLEN = 3;
    private static final int NFQA_CFG_MASK = 4;
    private static final int NFQA_CFG_FLAGS = 5;
    private static final int NFQA_CFG_F_FAIL_OPEN = 1;
    private static final int NFQNL_CFG_CMD_BIND = 1;
    private static final int NFQNL_COPY_PACKET = 2;
    private static final int NFQA_PACKET_HDR = 1;
    private static final int NFQA_VERDICT_HDR = 2;
    private static final int NFQA_PAYLOAD = 10;
    private static final int NF_ACCEPT = 1;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;

    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int queue;
    private final NetlinkSocket socket;
    private final Map<Integer, Long> rttNanos;   // client IPv4 address -> delay
    private final DelayQueue<Held> held = new DelayQueue<>();
    private final AtomicLong order = new AtomicLong();
    private final AtomicLong delayed = new AtomicLong();
    private int seq;

    private NfqueueDelayLine(int queue, Map<Integer, Long> rttNanos) {
        this.queue = queue;
        this.rttNanos = rttNanos;
        // a big receive buffer: packets queue up while the verdicts of held ones are pending
        this.socket = NetlinkSocket.open(0, 8 << 20, 0, 0, false);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: NfqueueDelayLine <queue> <client-prefix> <rtt-ms of client 0> [<rtt-ms of client 1> …]");
            System.exit(2);
        }
        Map<Integer, Long> delays = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            byte[] a = java.net.InetAddress.getByName(args[1] + (10 + i - 2)).getAddress();
            delays.put(java.nio.ByteBuffer.wrap(a).getInt(), TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[i])));
        }
        long maxSeconds = Long.parseLong(System.getenv().getOrDefault("HFTFW_DELAY_MAX_SECONDS", "600"));
        NfqueueDelayLine line = new NfqueueDelayLine(Integer.parseInt(args[0]), delays);
        line.bind();
        Thread releaser = new Thread(line::releaseLoop, "delay-release");
        releaser.setDaemon(true);
        releaser.start();
        Thread receiver = new Thread(line::receiveLoop, "delay-receive");
        receiver.setDaemon(true);
        receiver.start();
        System.out.println("ready");
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("delayed " + line.delayed.get() + " packets")));
        Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds));
        System.exit(0);
    }

    private void bind() throws IOException {
        // NFQA_CFG_CMD bind (struct nfqnl_msg_config_cmd: u8 command, u8 pad, be16 pf)
        byte[] cmd = {NFQNL_CFG_CMD_BIND, 0, 0, 0};
        request(NFQNL_MSG_CONFIG, new int[] {NFQA_CFG_CMD}, new byte[][] {cmd});
        // copy the first 64 bytes of each packet: enough for the IPv4 header
        byte[] params = {0, 0, 0, 64, NFQNL_COPY_PACKET};
        byte[] maxlen = {0, 1, 0, 0};                               // 65536 packets
        byte[] flags = {0, 0, 0, NFQA_CFG_F_FAIL_OPEN};
        request(NFQNL_MSG_CONFIG, new int[] {NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN, NFQA_CFG_FLAGS, NFQA_CFG_MASK},
                new byte[][] {params, maxlen, flags, flags});
    }

    /** Sends one nfnetlink_queue message with the given attributes and waits for the kernel's ACK. */
    private void request(int msgType, int[] types, byte[][] values) throws IOException {
        MemorySegment buf = socket.allocate(256);
        int len = header(buf, msgType, NLM_F_REQUEST | NLM_F_ACK);
        for (int i = 0; i < types.length; i++) {
            len = attr(buf, len, types[i], values[i]);
        }
        buf.set(INT, 0, len);
        socket.send(buf, len);
        MemorySegment reply = socket.allocate(4096);
        long n = socket.recv(reply, false);
        if (n >= 20 && reply.get(SHORT, 4) == NLMSG_ERROR && reply.get(INT, 16) != 0) {
            throw new IOException("nfqueue config failed: errno " + -reply.get(INT, 16)
                    + (reply.get(INT, 16) == -1 ? " (EPERM: needs CAP_NET_ADMIN)" : ""));
        }
    }

    private int header(MemorySegment buf, int msgType, int flags) {
        buf.set(SHORT, 4, (short) ((NFNL_SUBSYS_QUEUE << 8) | msgType));
        buf.set(SHORT, 6, (short) flags);
        buf.set(INT, 8, ++seq);
        buf.set(INT, 12, 0);
        buf.set(ValueLayout.JAVA_BYTE, 16, (byte) 0);              // nfgenmsg: AF_UNSPEC
        buf.set(ValueLayout.JAVA_BYTE, 17, (byte) 0);              // NFNETLINK_V0
        buf.set(SHORT_BE, 18, (short) queue);                       // res_id = queue number
        return 20;
    }

    private static int attr(MemorySegment buf, int off, int type, byte[] value) {
        buf.set(SHORT, off, (short) (4 + value.length));
        buf.set(SHORT, off + 2, (short) type);
        MemorySegment.copy(value, 0, buf, ValueLayout.JAVA_BYTE, off + 4, value.length);
        int end = off + 4 + value.length;
        int aligned = (end + 3) & ~3;
        buf.asSlice(end, aligned - end).fill((byte) 0);
        return aligned;
    }

    private void receiveLoop() {
        MemorySegment buf = socket.allocate(1 << 16);
        while (true) {
            long n;
            try {
                n = socket.recv(buf, false);
            } catch (RuntimeException e) {
                System.err.println("delay line: " + e.getMessage());
                continue;
            }
            // OVERRUN: the kernel dropped queued packets for this socket; the queue is fail-open, so they passed
            // undelayed and there is nothing to release for them
            for (int off = 0; off + 16 <= n; ) {
                int len = buf.get(INT, off);
                if (len < 16 || off + len > n) {
                    break;
                }
                if ((buf.get(SHORT, off + 4) & 0xff) == NFQNL_MSG_PACKET) {
                    onPacket(buf, off, len);
                }
                off += (len + 3) & ~3;
            }
        }
    }

    private void onPacket(MemorySegment buf, int off, int len) {
        int id = -1;
        int src = 0;
        int dst = 0;
        int hook = -1;
        for (int a = off + 20; a + 4 <= off + len; ) {
            int alen = buf.get(SHORT, a) & 0xffff;
            int type = buf.get(SHORT, a + 2) & 0x7fff;
            if (alen < 4 || a + alen > off + len) {
                break;
            }
            if (type == NFQA_PACKET_HDR && alen >= 11) {
                id = buf.get(INT_BE, a + 4);
                hook = buf.get(ValueLayout.JAVA_BYTE, a + 10);
            } else if (type == NFQA_PAYLOAD && alen >= 4 + 20) {
                src = buf.get(INT_BE, a + 4 + 12);
                dst = buf.get(INT_BE, a + 4 + 16);
            }
            a += (alen + 3) & ~3;
        }
        if (id < 0) {
            return;
        }
        // prerouting (hook 0): the packet comes from a client; postrouting (hook 4): it goes to one
        Long delay = rttNanos.get(hook == 0 ? src : dst);
        long wait = delay == null ? 0 : delay;
        if (wait > 0) {
            delayed.incrementAndGet();
        }
        held.put(new Held(id, System.nanoTime() + wait, order.incrementAndGet()));
    }

    private void releaseLoop() {
        MemorySegment buf = socket.allocate(64);
        while (true) {
            Held h;
            try {
                h = held.take();
            } catch (InterruptedException e) {
                return;
            }
            int len = header(buf, NFQNL_MSG_VERDICT, NLM_F_REQUEST);
            byte[] verdict = new byte[8];
            java.nio.ByteBuffer.wrap(verdict).putInt(NF_ACCEPT).putInt(h.id);
            len = attr(buf, len, NFQA_VERDICT_HDR, verdict);
            buf.set(INT, 0, len);
            try {
                socket.send(buf, len);
            } catch (RuntimeException e) {
                System.err.println("delay line: " + e.getMessage());
            }
        }
    }

    /** A queued packet, released at {@code due}; ties keep arrival order. */
    private record Held(int id, long due, long order) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Held h = (Held) o;
            int c = Long.compare(due, h.due);
            return c != 0 ? c : Long.compare(order, h.order);
        }
    }

    /** Starts the delay line in the firewall namespace and hooks it into nftables there. */
    public static DelayLine.Factory factory(Path workDir) {
        return (fw, latency, prefix) -> {
            if (java.util.Arrays.stream(latency.rttMillis()).allMatch(r -> r == 0)) {
                return () -> { };
            }
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), NfqueueDelayLine.class.getName(), "7", prefix));
            for (int r : latency.rttMillis()) {
                cmd.add(Integer.toString(r));
            }
            Path out = workDir.resolve("delay.out");
            Process p = fw.spawn(out, cmd.toArray(String[]::new));
            try {
                for (int i = 0; i < 200 && !(Files.exists(out) && Files.readString(out).contains("ready")); i++) {
                    if (!p.isAlive()) {
                        throw new IOException("delay line exited: " + Files.readString(out));
                    }
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            // nft's own "queue" statement needs CONFIG_NFT_QUEUE, which this kernel lacks; iptables' NFQUEUE
            // target (xt_NFQUEUE through nft_compat) works. raw PREROUTING runs before conntrack, so conntrack sees
            // client packets one RTT late. The whole RTT is put on this one direction: delaying the packets towards
            // the client instead would also delay conntrack's events, which the kernel emits only when the packet
            // leaves POSTROUTING (nf_confirm), after any queue there.
            for (String proto : new String[] {"tcp", "udp"}) {
                fw.exec("iptables", "-t", "raw", "-A", "PREROUTING", "-i", "lan", "-p", proto, "-j", "NFQUEUE",
                        "--queue-num", "7", "--queue-bypass").check();
            }
            return () -> NetnsLab.stop(p);
        };
    }
}
