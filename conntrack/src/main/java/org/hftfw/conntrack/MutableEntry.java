package org.hftfw.conntrack;

import java.util.Objects;

/**
 * A conntrack entry's values in one reusable object: the flyweight the event decoder fills for each event, and the
 * per-flow copy a stage keeps of the latest state it must still act on (the FT-FW queue's state of a flow, a batch's
 * slot), rewritten in place by {@link #copyFrom} instead of an immutable {@link ConntrackEntry} per event (issue 14
 * item 4). The tuples are shared, not copied: they are immutable (and the decoder hands out the same objects for a
 * flow's successive events). Not thread-safe: one writer, and a reader on another thread only after a hand-off that
 * publishes it (a queue, an executor).
 */
public final class MutableEntry implements EntryView {
    private Tuple original;
    private Tuple reply;
    private int protoState = -1;
    private long status;
    private long timeout = -1;
    private long mark;
    private int zone;
    private long id;
    private int use;
    private boolean originalCounters;
    private long originalPackets;
    private long originalBytes;
    private boolean replyCounters;
    private long replyPackets;
    private long replyBytes;
    private long startNanos;
    private long stopNanos;
    private String helper;
    private boolean tcp;
    private int tcpWscaleOriginal;
    private int tcpWscaleReply;
    private int tcpFlagsOriginal;
    private int tcpFlagsReply;
    /** The flow's key when the writer had one at hand ({@link #flowId(FlowId)}), else null. */
    private FlowId flowId;

    /** Sets the values every entry has; the optional parts (counters, timestamps, helper, TCP) are cleared. */
    public MutableEntry set(Tuple orig, Tuple repl, int state, long st, long seconds, long m, int z, long ctId,
                            int refs) {
        this.original = Objects.requireNonNull(orig, "original");
        this.reply = Objects.requireNonNull(repl, "reply");
        this.protoState = state;
        this.status = st;
        this.timeout = seconds;
        this.mark = m;
        this.zone = z;
        this.id = ctId;
        this.use = refs;
        this.originalCounters = false;
        this.originalPackets = 0;
        this.originalBytes = 0;
        this.replyCounters = false;
        this.replyPackets = 0;
        this.replyBytes = 0;
        this.startNanos = 0;
        this.stopNanos = 0;
        this.helper = null;
        this.tcp = false;
        this.tcpWscaleOriginal = 0;
        this.tcpWscaleReply = 0;
        this.tcpFlagsOriginal = 0;
        this.tcpFlagsReply = 0;
        this.flowId = null;
        return this;
    }

    /**
     * Gives the entry its flow's key, which {@link #flowId()} then returns instead of a new one (the event decoder
     * keeps one per cached tuple: issue 14 item 4, no key per event); kept until the next {@link #set}.
     *
     * @throws IllegalArgumentException when {@code key} is not this entry's flow (its original tuple and zone)
     */
    @SuppressWarnings("ReferenceEquality")                 // the same object first: the decoder's case, no compare
    public MutableEntry flowId(FlowId key) {
        if ((key.original() != original && !key.original().equals(original)) || key.zone() != zone) {
            throw new IllegalArgumentException("the key " + key + " is not the flow " + original + " zone " + zone);
        }
        flowId = key;
        return this;
    }

    public MutableEntry originalCounters(long packets, long bytes) {
        originalCounters = true;
        originalPackets = packets;
        originalBytes = bytes;
        return this;
    }

    public MutableEntry replyCounters(long packets, long bytes) {
        replyCounters = true;
        replyPackets = packets;
        replyBytes = bytes;
        return this;
    }

    public MutableEntry timestamps(long start, long stop) {
        startNanos = start;
        stopNanos = stop;
        return this;
    }

    public MutableEntry helper(String name) {
        helper = name;
        return this;
    }

    public MutableEntry tcp(int wscaleOriginal, int wscaleReply, int flagsOriginal, int flagsReply) {
        tcp = true;
        tcpWscaleOriginal = wscaleOriginal;
        tcpWscaleReply = wscaleReply;
        tcpFlagsOriginal = flagsOriginal;
        tcpFlagsReply = flagsReply;
        return this;
    }

    /** Takes every value of {@code e}, and its flow's key when it has one; returns this. */
    public MutableEntry copyFrom(EntryView e) {
        set(e.original(), e.reply(), e.protoState(), e.status(), e.timeout(), e.mark(), e.zone(), e.id(), e.use());
        if (e instanceof MutableEntry m) {
            flowId = m.flowId;                              // the same original and zone: the same flow's key
        }
        if (e.hasOriginalCounters()) {
            originalCounters(e.originalPackets(), e.originalBytes());
        }
        if (e.hasReplyCounters()) {
            replyCounters(e.replyPackets(), e.replyBytes());
        }
        timestamps(e.startNanos(), e.stopNanos());
        helper(e.helper());
        if (e.hasTcp()) {
            tcp(e.tcpWscaleOriginal(), e.tcpWscaleReply(), e.tcpFlagsOriginal(), e.tcpFlagsReply());
        }
        return this;
    }

    @Override
    public ConntrackEntry toEntry() {
        return new ConntrackEntry(original, reply, protoState, status, timeout, mark, zone, id, use,
                originalCounters ? new Counters(originalPackets, originalBytes) : null,
                replyCounters ? new Counters(replyPackets, replyBytes) : null, startNanos, stopNanos, helper,
                tcp ? new ConntrackEntry.TcpInfo(tcpWscaleOriginal, tcpWscaleReply, tcpFlagsOriginal, tcpFlagsReply)
                        : null);
    }

    /** The key given with {@link #flowId(FlowId)} or copied with the values, else a new one. */
    @Override
    public FlowId flowId() {
        FlowId key = flowId;
        return key != null ? key : new FlowId(original, zone);
    }

    @Override
    public Tuple original() {
        return original;
    }

    @Override
    public Tuple reply() {
        return reply;
    }

    @Override
    public int protoState() {
        return protoState;
    }

    @Override
    public long status() {
        return status;
    }

    @Override
    public long timeout() {
        return timeout;
    }

    @Override
    public long mark() {
        return mark;
    }

    @Override
    public int zone() {
        return zone;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int use() {
        return use;
    }

    @Override
    public boolean hasOriginalCounters() {
        return originalCounters;
    }

    @Override
    public long originalPackets() {
        return originalPackets;
    }

    @Override
    public long originalBytes() {
        return originalBytes;
    }

    @Override
    public boolean hasReplyCounters() {
        return replyCounters;
    }

    @Override
    public long replyPackets() {
        return replyPackets;
    }

    @Override
    public long replyBytes() {
        return replyBytes;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public long stopNanos() {
        return stopNanos;
    }

    @Override
    public String helper() {
        return helper;
    }

    @Override
    public boolean hasTcp() {
        return tcp;
    }

    @Override
    public int tcpWscaleOriginal() {
        return tcpWscaleOriginal;
    }

    @Override
    public int tcpWscaleReply() {
        return tcpWscaleReply;
    }

    @Override
    public int tcpFlagsOriginal() {
        return tcpFlagsOriginal;
    }

    @Override
    public int tcpFlagsReply() {
        return tcpFlagsReply;
    }

    @Override
    public String toString() {
        return "MutableEntry[" + original + " zone=" + zone + " state=" + protoState + " status=" + status + "]";
    }
}
