package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Encodes an entry the way the kernel reports it (ctnetlink_fill_info: tuples, zone, status, mark, id, use,
 * timeout, protoinfo, counters, timestamps, helper): the bytes a recv() on an event or dump socket returns, for the
 * decoder tests and the event-path benchmarks.
 */
final class KernelImage {
    private KernelImage() {}

    static byte[] message(ConntrackEntry e, int ctMsg, int flags) {
        NlWriter w = new NlWriter(MemorySegment.ofArray(new byte[4096]));
        write(w, e, ctMsg, flags, 0, x -> { });
        return w.toByteArray();
    }

    /** Writes the message; {@code extra} appends more top-level attributes before it is closed. */
    static void write(NlWriter w, ConntrackEntry e, int ctMsg, int flags, int seq, Consumer<NlWriter> extra) {
        int m = w.beginMessage(Cta.msgType(ctMsg), flags, seq, e.original().family(), Nl.NFNETLINK_V0);
        CtEncoder.tuple(w, Cta.TUPLE_ORIG, e.original());
        CtEncoder.tuple(w, Cta.TUPLE_REPLY, e.reply());
        if (e.zone() != 0) {
            w.putBe16(Cta.ZONE, e.zone());
        }
        w.putBe32(Cta.STATUS, e.status());
        w.putBe32(Cta.MARK, e.mark());
        if (e.id() != 0) {
            w.putBe32(Cta.ID, e.id());
        }
        if (e.use() != 0) {
            w.putBe32(Cta.USE, e.use());
        }
        if (e.timeout() >= 0) {
            w.putBe32(Cta.TIMEOUT, e.timeout());
        }
        if (e.protoState() >= 0 || e.tcp() != null) {
            int pi = w.beginNested(Cta.PROTOINFO);
            switch (e.l4proto()) {
                case IpProto.TCP -> {
                    int t = w.beginNested(Cta.PROTOINFO_TCP);
                    if (e.protoState() >= 0) {
                        w.putU8(Cta.TCP_STATE, e.protoState());
                    }
                    if (e.tcp() != null) {
                        w.putU8(Cta.TCP_WSCALE_ORIGINAL, e.tcp().wscaleOriginal());
                        w.putU8(Cta.TCP_WSCALE_REPLY, e.tcp().wscaleReply());
                        w.putBytes(Cta.TCP_FLAGS_ORIGINAL, new byte[] {(byte) e.tcp().flagsOriginal(), 0});
                        w.putBytes(Cta.TCP_FLAGS_REPLY, new byte[] {(byte) e.tcp().flagsReply(), 0});
                    }
                    w.endNested(t);
                }
                case IpProto.SCTP -> {
                    int t = w.beginNested(Cta.PROTOINFO_SCTP);
                    w.putU8(Cta.SCTP_STATE, e.protoState());
                    w.putBe32(Cta.SCTP_VTAG_ORIGINAL, 0x1234);
                    w.putBe32(Cta.SCTP_VTAG_REPLY, 0x5678);
                    w.endNested(t);
                }
                case IpProto.DCCP -> {
                    int t = w.beginNested(Cta.PROTOINFO_DCCP);
                    w.putU8(Cta.DCCP_STATE, e.protoState());
                    w.putU8(Cta.DCCP_ROLE, 1);
                    w.putBe64(Cta.DCCP_HANDSHAKE_SEQ, 99);
                    w.endNested(t);
                }
                default -> { }
            }
            w.endNested(pi);
        }
        if (e.originalCounters() != null) {
            counters(w, Cta.COUNTERS_ORIG, e.originalCounters().packets(), e.originalCounters().bytes());
        }
        if (e.replyCounters() != null) {
            counters(w, Cta.COUNTERS_REPLY, e.replyCounters().packets(), e.replyCounters().bytes());
        }
        if (e.startNanos() != 0) {
            int ts = w.beginNested(Cta.TIMESTAMP);
            w.putBe64(Cta.TIMESTAMP_START, e.startNanos());
            if (e.stopNanos() != 0) {
                w.putBe64(Cta.TIMESTAMP_STOP, e.stopNanos());
            }
            w.endNested(ts);
        }
        if (e.helper() != null) {
            int h = w.beginNested(Cta.HELP);
            w.putString(Cta.HELP_NAME, e.helper());
            w.endNested(h);
        }
        extra.accept(w);
        w.endMessage(m);
    }

    private static void counters(NlWriter w, int type, long packets, long bytes) {
        int c = w.beginNested(type);
        w.putBe64(Cta.COUNTERS_PACKETS, packets);
        w.putBe64(Cta.COUNTERS_BYTES, bytes);
        w.endNested(c);
    }
}
