package org.hftfw.conntrack.netlink;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * How fast the event pump's read side empties a full event queue (issue 14, item 4: batched reads): {@code n}
 * events are queued in a subscribed socket's 64 MiB buffer (a batched inject of {@code n} entries, then a flush:
 * n NEW, then n DESTROY), then drained without blocking and decoded ({@link EventDelivery}, a counting listener),
 * once with {@code recvfrom} (one datagram per system call, the baseline) and once with {@code recvmmsg}
 * ({@link RecvBatch}, 64 per call), alternating over the rounds so both see NEW and DESTROY queues alike. What a
 * pump can drain bounds how long the kernel can outpace it before its buffer overruns. Runs in a namespace of its
 * own ({@code hpd-*}), removed at the end.
 */
public final class EventDrainBench {
    private static final int BUFFER = 64 << 20;
    private static final int ROUNDS = 4;

    private EventDrainBench() {}

    /** Events/s for recvfrom and recvmmsg: medians [min-max] over the rounds. */
    public record Result(List<Double> recvfrom, List<Double> recvmmsg) {
        public Result {
            recvfrom = List.copyOf(recvfrom);
            recvmmsg = List.copyOf(recvmmsg);
        }

        public String line() {
            return String.format(Locale.ROOT, "queue drain (recv + decode): recvmmsg %s events/s beside recvfrom %s "
                    + "(baseline, same run)", spread(recvmmsg), spread(recvfrom));
        }

        private static String spread(List<Double> v) {
            List<Double> s = v.stream().sorted().toList();
            return String.format(Locale.ROOT, "%,.0f [%,.0f-%,.0f]", Figures.median(s), s.getFirst(), s.getLast());
        }
    }

    public static Result measure(int n) throws Exception {
        List<ConntrackEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tuple t = Tuple.ports(InetAddress.ofLiteral("10.242." + (i >> 8 & 0xff) + "." + (i & 0xff)),
                    InetAddress.ofLiteral("10.243.0.1"), IpProto.UDP, 10_000 + (i >> 16), 53);
            entries.add(ConntrackEntry.builder(t).timeout(600).build());
        }
        int groups = Nl.groupMask(Nl.NFNLGRP_CONNTRACK_NEW) | Nl.groupMask(Nl.NFNLGRP_CONNTRACK_UPDATE)
                | Nl.groupMask(Nl.NFNLGRP_CONNTRACK_DESTROY);
        double[] single = new double[ROUNDS];
        double[] batched = new double[ROUNDS];
        try (NetnsLab lab = new NetnsLab("hpd", Duration.ofMinutes(2))) {
            NetnsLab.Netns ns = lab.netns("a");
            try (KernelConntrackTable t = ns.openConntrack();
                 NetlinkSocket s = ns.call(() -> NetlinkSocket.open(groups, BUFFER, 0, 0, false))) {
                long[] events = new long[1];
                TableStats stats = new TableStats();
                EventDelivery delivery = new EventDelivery(e -> events[0]++, stats);
                delivery.warmUp(20_000);
                RecvBatch batch = new RecvBatch(s, 64, 8192);
                MemorySegment rx = s.allocate(8192);
                for (int r = 0; r < 2 * ROUNDS; r++) {
                    if (r % 2 == 0) {
                        Figures.check(t.createAll(entries).created() == n, "the entries were not all created");
                    } else {
                        t.flush();
                    }
                    boolean useBatch = (r + r / 2) % 2 == 0;
                    settle(s.new QueueProbe());
                    events[0] = 0;
                    long t0 = System.nanoTime();
                    while (true) {
                        long got = useBatch ? s.recvBatch(batch, true) : s.recv(rx, true);
                        Figures.check(got != NetlinkSocket.OVERRUN, "the queue overran: raise the buffer or lower n");
                        if (got == NetlinkSocket.TIMED_OUT) {
                            break;
                        }
                        if (useBatch) {
                            for (int i = 0; i < batch.count(); i++) {
                                delivery.datagram(batch.slot(i), (int) batch.length(i), 0, 0);
                            }
                        } else {
                            delivery.datagram(rx, (int) got, 0, 0);
                        }
                    }
                    double rate = Figures.rate(events[0], System.nanoTime() - t0);
                    Figures.check(events[0] == n, "drained " + events[0] + " of " + n + " events");
                    (useBatch ? batched : single)[r / 2] = rate;
                }
                Figures.check(stats.malformed.get() == 0, "malformed events");
            }
        }
        return new Result(Arrays.stream(single).boxed().toList(), Arrays.stream(batched).boxed().toList());
    }

    /** Waits until the kernel has queued every event (the queue stops growing), so the timing is of reading only. */
    private static void settle(NetlinkSocket.QueueProbe queue) throws InterruptedException {
        long before = -1;
        for (int i = 0; i < 250; i++) {
            Figures.check(queue.read(), "SO_MEMINFO");
            if (queue.queued() == before) {
                return;
            }
            before = queue.queued();
            Thread.sleep(20);
        }
    }
}
