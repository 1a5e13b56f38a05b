package org.hftfw.conntrack;

import java.util.Objects;

/**
 * One conntrack table entry, immutable. Mirrors what ctnetlink reports and what {@code conntrack -L} prints.
 *
 * @param original   the original-direction tuple (the flow's identity)
 * @param reply      the reply-direction tuple; differs from {@code original.inverted()} when NAT applies
 * @param protoState protocol state: a {@link TcpState} kernel value for TCP, the SCTP/DCCP state number for
 *                   those protocols, -1 when the protocol has no state
 * @param status     {@link Status} bits
 * @param timeout    seconds left before the entry expires; -1 when unknown
 * @param mark       connection mark (ct mark)
 * @param zone       conntrack zone, 0 by default
 * @param id         the kernel's conntrack id (CTA_ID), 0 when unknown
 * @param use        reference count as reported by the kernel (CTA_USE), 0 when unknown
 * @param originalCounters accounting of the original direction, or null
 * @param replyCounters    accounting of the reply direction, or null
 * @param startNanos start timestamp in ns since the epoch (CTA_TIMESTAMP_START), 0 when absent
 * @param stopNanos  stop timestamp (CTA_TIMESTAMP_STOP), 0 when absent
 * @param helper     name of the attached helper (CTA_HELP), or null
 * @param tcp        TCP window-tracking details, or null when unknown or not TCP
 */
public record ConntrackEntry(Tuple original, Tuple reply, int protoState, long status, long timeout,
                             long mark, int zone, long id, int use,
                             Counters originalCounters, Counters replyCounters,
                             long startNanos, long stopNanos, String helper, TcpInfo tcp) implements EntryView {

    public ConntrackEntry {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(reply, "reply");
        if (original.l4proto() != reply.l4proto()) {
            throw new IllegalArgumentException("original and reply tuples must have the same L4 protocol");
        }
        if (zone < 0 || zone > 0xffff) {
            throw new IllegalArgumentException("zone out of range: " + zone);
        }
    }

    /** TCP details from CTA_PROTOINFO_TCP (window scale and flags per direction). */
    public record TcpInfo(int wscaleOriginal, int wscaleReply, int flagsOriginal, int flagsReply) {
        /** IP_CT_TCP_FLAG_BE_LIBERAL: do not check the window (what conntrackd sets when committing). */
        public static final int FLAG_BE_LIBERAL = 0x08;
    }

    @Override
    public int l4proto() {
        return original.l4proto();
    }

    @Override
    public TcpState tcpState() {
        return l4proto() == IpProto.TCP ? TcpState.of(protoState) : null;
    }

    /** This flow's identity: original tuple and zone. */
    @Override
    public FlowId flowId() {
        return new FlowId(original, zone);
    }

    @Override
    public boolean hasStatus(long bit) {
        return (status & bit) != 0;
    }

    /** True when the reply tuple is not the plain inverse of the original one, i.e. NAT was applied. */
    @Override
    public boolean isNatted() {
        return !reply.isInverseOf(original);
    }

    @Override
    public boolean hasOriginalCounters() {
        return originalCounters != null;
    }

    @Override
    public long originalPackets() {
        return originalCounters == null ? 0 : originalCounters.packets();
    }

    @Override
    public long originalBytes() {
        return originalCounters == null ? 0 : originalCounters.bytes();
    }

    @Override
    public boolean hasReplyCounters() {
        return replyCounters != null;
    }

    @Override
    public long replyPackets() {
        return replyCounters == null ? 0 : replyCounters.packets();
    }

    @Override
    public long replyBytes() {
        return replyCounters == null ? 0 : replyCounters.bytes();
    }

    @Override
    public boolean hasTcp() {
        return tcp != null;
    }

    @Override
    public int tcpWscaleOriginal() {
        return tcp == null ? 0 : tcp.wscaleOriginal();
    }

    @Override
    public int tcpWscaleReply() {
        return tcp == null ? 0 : tcp.wscaleReply();
    }

    @Override
    public int tcpFlagsOriginal() {
        return tcp == null ? 0 : tcp.flagsOriginal();
    }

    @Override
    public int tcpFlagsReply() {
        return tcp == null ? 0 : tcp.flagsReply();
    }

    @Override
    public ConntrackEntry toEntry() {
        return this;
    }

    /**
     * A state label for classification and metrics: the TCP/SCTP/DCCP state name, or for stateless protocols
     * {@code <PROTO>_UNREPLIED} / {@code _REPLIED} / {@code _ASSURED} from the status bits (see
     * shared metrics definitions).
     */
    public String stateLabel() {
        return StateNames.label(this);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder(Tuple original) {
        return new Builder(original);
    }

    /** Builder; the reply tuple defaults to the inverse of the original. */
    public static final class Builder {
        private Tuple original;
        private Tuple reply;
        private int protoState = -1;
        private long status;
        private long timeout = -1;
        private long mark;
        private int zone;
        private long id;
        private int use;
        private Counters originalCounters;
        private Counters replyCounters;
        private long startNanos;
        private long stopNanos;
        private String helper;
        private TcpInfo tcp;

        Builder(Tuple original) {
            this.original = Objects.requireNonNull(original);
        }

        Builder(ConntrackEntry e) {
            original = e.original; reply = e.reply; protoState = e.protoState; status = e.status;
            timeout = e.timeout; mark = e.mark; zone = e.zone; id = e.id; use = e.use;
            originalCounters = e.originalCounters; replyCounters = e.replyCounters;
            startNanos = e.startNanos; stopNanos = e.stopNanos; helper = e.helper; tcp = e.tcp;
        }

        public Builder original(Tuple t) { original = t; return this; }
        public Builder reply(Tuple t) { reply = t; return this; }
        public Builder protoState(int s) { protoState = s; return this; }
        public Builder tcpState(TcpState s) { protoState = s.kernelValue(); return this; }
        public Builder status(long s) { status = s; return this; }
        public Builder timeout(long seconds) { timeout = seconds; return this; }
        public Builder mark(long m) { mark = m; return this; }
        public Builder zone(int z) { zone = z; return this; }
        public Builder id(long i) { id = i; return this; }
        public Builder use(int u) { use = u; return this; }
        public Builder counters(Counters orig, Counters repl) { originalCounters = orig; replyCounters = repl; return this; }
        public Builder timestamps(long start, long stop) { startNanos = start; stopNanos = stop; return this; }
        public Builder helper(String h) { helper = h; return this; }
        public Builder tcp(TcpInfo t) { tcp = t; return this; }

        public ConntrackEntry build() {
            return new ConntrackEntry(original, reply != null ? reply : original.inverted(), protoState, status,
                    timeout, mark, zone, id, use, originalCounters, replyCounters, startNanos, stopNanos, helper, tcp);
        }
    }
}
