package org.hftfw.conntrack;

/**
 * TCP conntrack states, in the kernel's numbering ({@code enum tcp_conntrack},
 * include/uapi/linux/netfilter/nf_conntrack_tcp.h); the ordinal is the value carried in
 * CTA_PROTOINFO_TCP_STATE and in FT-FW's NTA_TCP_STATE. Names are those {@code conntrack -L} prints.
 */
public enum TcpState {
    NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE,
    /** Kernel value 9, TCP_CONNTRACK_SYN_SENT2 (the old LISTEN slot); conntrack prints "SYN_SENT2". */
    SYN_SENT2;

    private static final TcpState[] VALUES = values();

    /** The state for a kernel value, or null when the value is out of range. */
    public static TcpState of(int kernelValue) {
        return kernelValue >= 0 && kernelValue < VALUES.length ? VALUES[kernelValue] : null;
    }

    /** Parses a name as printed by conntrack ("LISTEN" is accepted for 9); null when unknown. */
    public static TcpState parse(String name) {
        if ("LISTEN".equals(name)) {
            return SYN_SENT2;
        }
        for (TcpState s : VALUES) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    // the declaration order is the kernel's numbering (class comment), so the ordinal is the wire value
    @SuppressWarnings("EnumOrdinal")
    public int kernelValue() {
        return ordinal();
    }
}
