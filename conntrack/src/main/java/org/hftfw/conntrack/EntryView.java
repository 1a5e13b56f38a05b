package org.hftfw.conntrack;

/**
 * Read access to one conntrack entry's values: the immutable {@link ConntrackEntry}, or a reused flyweight such as
 * {@link MutableEntry}, which the event decoder fills for each event and the event path reads without building an
 * entry (issue 14 item 4: no allocation per event). Accessors are those of {@link ConntrackEntry}, with the counters
 * and the TCP details as primitives, so that reading a flyweight allocates nothing.
 *
 * <p>A flyweight is valid only for the call it is handed to: whoever keeps the state copies it
 * ({@link MutableEntry#copyFrom}) or materialises it ({@link #toEntry()}).
 */
public interface EntryView {
    Tuple original();

    Tuple reply();

    int protoState();

    long status();

    long timeout();

    long mark();

    int zone();

    long id();

    int use();

    /** Whether CTA_COUNTERS_ORIG was present. */
    boolean hasOriginalCounters();

    long originalPackets();

    long originalBytes();

    /** Whether CTA_COUNTERS_REPLY was present. */
    boolean hasReplyCounters();

    long replyPackets();

    long replyBytes();

    long startNanos();

    long stopNanos();

    /** The helper's name, or null. */
    String helper();

    /** Whether the TCP window-tracking details are known. */
    boolean hasTcp();

    int tcpWscaleOriginal();

    int tcpWscaleReply();

    int tcpFlagsOriginal();

    int tcpFlagsReply();

    /** The values as an immutable entry (the entry itself when it is one). */
    ConntrackEntry toEntry();

    default int l4proto() {
        return original().l4proto();
    }

    /** The TCP state, or null when the flow is not TCP. */
    default TcpState tcpState() {
        return l4proto() == IpProto.TCP ? TcpState.of(protoState()) : null;
    }

    default boolean hasStatus(long bit) {
        return (status() & bit) != 0;
    }

    /** True when the reply tuple is not the plain inverse of the original one (NAT); builds no tuple. */
    default boolean isNatted() {
        return !reply().isInverseOf(original());
    }

    /** This flow's identity (a new key: the event path keeps one per flow instead). */
    default FlowId flowId() {
        return new FlowId(original(), zone());
    }
}
