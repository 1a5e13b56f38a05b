package org.hftfw.conntrack.netlink;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Kernel-format ctnetlink events, pre-encoded as the event socket's datagrams (one message each, as
 * ctnetlink_conntrack_event sends them), replayed through an {@link EventDelivery} into a listener: the input of
 * the pipeline benchmark. Each flow is a TCP connection's life as the kernel reports it - NEW SYN_SENT, UPDATE
 * SYN_RECV, UPDATE ESTABLISHED, UPDATE TIME_WAIT, DESTROY - and {@code concurrent} flows interleave, so successive
 * events of one flow are that many events apart. Each datagram is copied into a native receive buffer first, as
 * recv() does. Events are stamped on a virtual clock that advances {@code gapNanos} per event ({@link #clock()});
 * the replay wraps around and the clock keeps going. Single-threaded.
 */
public final class KernelEventFeed {
    private static final int RX_SIZE = 64 * 1024;
    private static final TcpState[] LIFE = {TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.ESTABLISHED,
        TcpState.TIME_WAIT, TcpState.CLOSE};
    private static final int STAGES = 5;

    private final MemorySegment image;
    private final int[] offsets;
    private final int[] lengths;
    private final MemorySegment rx = Arena.ofAuto().allocate(RX_SIZE, 8);
    private EventDelivery delivery;
    private final TableStats stats = new TableStats();
    private final long gapNanos;
    private final long startMicros = 1_765_000_000_000_000L;
    private long now;
    private int next;
    /** One clock object: the harness reads the time after every batch, which must not allocate. */
    private final Clock clock = Clock.of(() -> now, () -> startMicros + now / 1000);

    private KernelEventFeed(MemorySegment image, int[] offsets, int[] lengths, long gapNanos) {
        this.image = image;
        this.offsets = offsets;
        this.lengths = lengths;
        this.gapNanos = gapNanos;
    }

    /**
     * {@code flows} TCP lifecycles (five events each), {@code concurrent} at a time, one event every
     * {@code gapNanos} of virtual time; {@link #deliverTo} names the listener.
     */
    public static KernelEventFeed tcpLifecycles(int flows, int concurrent, long gapNanos) {
        int events = flows * STAGES;
        MemorySegment image = Arena.ofAuto().allocate((long) events * 512, 8);
        NlWriter w = new NlWriter(image);
        int[] offsets = new int[events];
        int[] lengths = new int[events];
        int k = 0;
        for (int group = 0; group < flows; group += concurrent) {
            int groupEnd = Math.min(flows, group + concurrent);
            for (int stage = 0; stage < STAGES; stage++) {
                for (int f = group; f < groupEnd; f++) {
                    offsets[k] = w.position();
                    write(w, f, stage, k);
                    lengths[k] = w.position() - offsets[k];
                    k++;
                }
            }
        }
        return new KernelEventFeed(w.segment(), offsets, lengths, gapNanos);
    }

    /**
     * The phases of {@code flows} TCP flows, one cycle after another: NEW of each flow (SYN_SENT), then
     * {@code updateRounds} rounds of one UPDATE of each, alternating ESTABLISHED (timeout 432 000 s) and FIN_WAIT
     * (120 s), whose encoded states differ in length, then DESTROY of each: {@code flows * (updateRounds + 2)} events
     * per cycle, so a caller that delivers phase by phase can measure each (the allocation test of the event path).
     * The flows come back with the same tuples in the next cycle.
     */
    public static KernelEventFeed knownFlows(int flows, int updateRounds, long gapNanos) {
        int events = flows * (updateRounds + 2);
        MemorySegment image = Arena.ofAuto().allocate((long) events * 512, 8);
        NlWriter w = new NlWriter(image);
        int[] offsets = new int[events];
        int[] lengths = new int[events];
        int k = 0;
        for (int round = -1; round <= updateRounds; round++) {
            for (int f = 0; f < flows; f++) {
                offsets[k] = w.position();
                ConntrackEntry e;
                if (round < 0) {
                    e = entry(f, 0);
                    KernelImage.write(w, e, Cta.IPCTNL_MSG_CT_NEW, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, k, x -> { });
                } else if (round < updateRounds) {
                    e = entry(f, 2).toBuilder().tcpState(round % 2 == 0 ? TcpState.ESTABLISHED : TcpState.FIN_WAIT)
                            .timeout(round % 2 == 0 ? 432_000 : 120).build();
                    KernelImage.write(w, e, Cta.IPCTNL_MSG_CT_NEW, 0, k, x -> { });
                } else {
                    KernelImage.write(w, entry(f, STAGES - 1), Cta.IPCTNL_MSG_CT_DELETE, 0, k, x -> { });
                }
                lengths[k] = w.position() - offsets[k];
                k++;
            }
        }
        return new KernelEventFeed(w.segment(), offsets, lengths, gapNanos);
    }

    private static void write(NlWriter w, int flow, int stage, int seq) {
        ConntrackEntry e = entry(flow, stage);
        if (stage == STAGES - 1) {
            KernelImage.write(w, e, Cta.IPCTNL_MSG_CT_DELETE, 0, seq, x -> { });
        } else {
            KernelImage.write(w, e, Cta.IPCTNL_MSG_CT_NEW, stage == 0 ? Nl.NLM_F_CREATE | Nl.NLM_F_EXCL : 0, seq,
                    x -> { });
        }
    }

    private static ConntrackEntry entry(int flow, int stage) {
        try {
            Tuple t = Tuple.ports(InetAddress.getByAddress(new byte[] {10, (byte) (flow >> 16), (byte) (flow >> 8),
                (byte) flow}), InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, (byte) (flow % 7), 10}),
                    IpProto.TCP, 1024 + flow % 60000, 443);
            long status = Status.CONFIRMED | (stage >= 1 ? Status.SEEN_REPLY : 0) | (stage >= 2 ? Status.ASSURED : 0);
            ConntrackEntry.Builder b = ConntrackEntry.builder(t).status(status).mark(0).id(0x5000_0000L + flow);
            if (stage < STAGES - 1) {
                b.tcpState(LIFE[stage]).timeout(new long[] {120, 60, 432_000, 120}[stage]);
            } else {
                // counters and timestamps only in the DESTROY event, as the kernel sends them with nf_conntrack_acct
                // and nf_conntrack_timestamp on (ctnetlink_conntrack_event; conntrack -E shows no packets= before)
                b.counters(new Counters(2L + stage, 120L + 60L * stage), new Counters(1L + stage, 60L + 60L * stage))
                        .timestamps(1_765_000_000_000_000_000L + flow, 0);
            }
            return b.build();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Delivers the events to {@code listener} from now on. */
    public KernelEventFeed deliverTo(ConntrackEventListener listener) {
        delivery = new EventDelivery(listener, stats);
        return this;
    }

    /** Events in one pass of the replay. */
    public int events() {
        return offsets.length;
    }

    /** Delivers the next {@code n} events, one datagram each, wrapping around at the end of the image. */
    public void deliver(int n) {
        for (int i = 0; i < n; i++) {
            int k = next;
            next = k + 1 == offsets.length ? 0 : k + 1;
            now += gapNanos;
            int len = lengths[k];
            MemorySegment.copy(image, offsets[k], rx, 0, len);
            delivery.datagram(rx, len, now, startMicros + now / 1000);
        }
    }

    /** Ends the batch of events delivered so far, as the event pump does after each batch of reads. */
    public void endOfBatch() {
        delivery.endOfBatch();
    }

    /** The virtual time of the last event delivered; the listener's stages should read time here. */
    public Clock clock() {
        return clock;
    }

    /** Events decoded and delivered so far (malformed ones are not counted: the image has none). */
    public long delivered() {
        return stats.events.get();
    }

    /** Events the decoder rejected: 0 unless the image is broken. */
    public long malformed() {
        return stats.malformed.get();
    }
}
