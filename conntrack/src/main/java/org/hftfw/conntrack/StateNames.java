package org.hftfw.conntrack;

/** Names of protocol states as conntrack prints them, and the classification labels built on them. */
public final class StateNames {
    /** SCTP states ({@code enum sctp_conntrack}); conntrack prints these names. */
    private static final String[] SCTP = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"};
    /** DCCP states ({@code enum ct_dccp_states}). */
    private static final String[] DCCP = {"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ",
        "CLOSING", "TIMEWAIT", "IGNORE", "INVALID"};

    private StateNames() {}

    /** The protocol state name printed by {@code conntrack -L}, or null for stateless protocols. */
    public static String protoStateName(int l4proto, int state) {
        if (state < 0) {
            return null;
        }
        return switch (l4proto) {
            case IpProto.TCP -> {
                TcpState s = TcpState.of(state);
                yield s == null ? "UNKNOWN" : s.name();
            }
            case IpProto.SCTP -> state < SCTP.length ? SCTP[state] : "UNKNOWN";
            case IpProto.DCCP -> state < DCCP.length ? DCCP[state] : "UNKNOWN";
            default -> null;
        };
    }

    /** Parses a protocol state name for the given protocol; -1 when unknown. */
    public static int parseProtoState(int l4proto, String name) {
        return switch (l4proto) {
            case IpProto.TCP -> {
                TcpState s = TcpState.parse(name);
                yield s == null ? -1 : s.kernelValue();
            }
            case IpProto.SCTP -> indexOf(SCTP, name);
            case IpProto.DCCP -> indexOf(DCCP, name);
            default -> -1;
        };
    }

    private static int indexOf(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    static String label(ConntrackEntry e) {
        String proto = protoStateName(e.l4proto(), e.protoState());
        if (proto != null) {
            return proto;
        }
        String p = IpProto.name(e.l4proto()).toUpperCase(java.util.Locale.ROOT);
        if (e.hasStatus(Status.ASSURED)) {
            return p + "_ASSURED";
        }
        return e.hasStatus(Status.SEEN_REPLY) ? p + "_REPLIED" : p + "_UNREPLIED";
    }
}
