package org.hftfw.lazy;

import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.StateNames;
import org.hftfw.conntrack.Status;

/**
 * A stable small-integer numbering of the state labels of the shared metrics definitions (TCP/SCTP/DCCP state
 * names; {@code <PROTO>_UNREPLIED/_REPLIED/_ASSURED} for stateless protocols). The numbers are part of the model
 * file format ({@link FeatureEncoder#SCHEMA}); append, never renumber.
 *
 * <p>Each knowledge-base tuple keeps counters for 8 "slots" (see {@link KeyStats}); {@link #slot} maps a state to
 * its slot. A tuple has one L4 protocol, so 8 slots cover every state that matters: TCP SYN_SENT..CLOSE
 * (kernel 1..8), SCTP CLOSED..HEARTBEAT_SENT (1..8), DCCP REQUEST..TIMEWAIT (1..7), and the 3 stateless labels.
 * The rare rest (TCP NONE and SYN_SENT2, SCTP NONE and HEARTBEAT_ACKED, DCCP NONE/IGNORE/INVALID) has no slot and
 * is always decided by the fallback model.
 */
final class StateIds {
    static final int TCP = 0;
    static final int SCTP = 10;
    static final int DCCP = 20;
    static final int STATELESS = 30;
    /** Stateless protocol groups, 3 labels each. */
    private static final String[] STATELESS_PROTOS = {"UDP", "UDPLITE", "ICMP", "ICMPV6", "GRE", "OTHER"};
    private static final String[] STATELESS_LABELS = {"_UNREPLIED", "_REPLIED", "_ASSURED"};
    static final int UNKNOWN = STATELESS + 3 * STATELESS_PROTOS.length;
    static final int COUNT = UNKNOWN + 1;

    private static final String[] NAMES = new String[COUNT];
    private static final int[] SLOTS = new int[COUNT];

    static {
        java.util.Arrays.fill(SLOTS, -1);
        for (int s = 0; s < 10; s++) {
            NAMES[TCP + s] = StateNames.protoStateName(IpProto.TCP, s);
            NAMES[SCTP + s] = "SCTP_" + StateNames.protoStateName(IpProto.SCTP, s);
            NAMES[DCCP + s] = "DCCP_" + StateNames.protoStateName(IpProto.DCCP, s);
        }
        for (int s = 1; s <= 8; s++) {
            SLOTS[TCP + s] = s - 1;
            SLOTS[SCTP + s] = s - 1;
        }
        for (int s = 1; s <= 7; s++) {
            SLOTS[DCCP + s] = s - 1;
        }
        for (int g = 0; g < STATELESS_PROTOS.length; g++) {
            for (int l = 0; l < 3; l++) {
                NAMES[STATELESS + 3 * g + l] = STATELESS_PROTOS[g] + STATELESS_LABELS[l];
                SLOTS[STATELESS + 3 * g + l] = l;
            }
        }
        NAMES[UNKNOWN] = "UNKNOWN";
    }

    private StateIds() {}

    /** The state id of an entry's current state. */
    static int of(EntryView e) {
        int ps = e.protoState();
        return switch (e.l4proto()) {
            case IpProto.TCP -> ps >= 0 && ps < 10 ? TCP + ps : UNKNOWN;
            case IpProto.SCTP -> ps >= 0 && ps < 10 ? SCTP + ps : UNKNOWN;
            case IpProto.DCCP -> ps >= 0 && ps < 10 ? DCCP + ps : UNKNOWN;
            default -> {
                int g = switch (e.l4proto()) {
                    case IpProto.UDP -> 0;
                    case IpProto.UDPLITE -> 1;
                    case IpProto.ICMP -> 2;
                    case IpProto.ICMPV6 -> 3;
                    case IpProto.GRE -> 4;
                    default -> 5;
                };
                int l = e.hasStatus(Status.ASSURED) ? 2 : e.hasStatus(Status.SEEN_REPLY) ? 1 : 0;
                yield STATELESS + 3 * g + l;
            }
        };
    }

    /** The label as printed in metrics (TCP names bare, SCTP/DCCP prefixed, stateless as in StateNames). */
    static String name(int id) {
        return id >= 0 && id < COUNT ? NAMES[id] : "UNKNOWN";
    }

    /** The state id that a tuple of protocol {@code l4proto} counts in {@code slot}; -1 if none. */
    static int fromSlot(int l4proto, int slot) {
        if (slot < 0 || slot >= KeyStats.SLOTS) {
            return -1;
        }
        return switch (l4proto) {
            case IpProto.TCP -> TCP + slot + 1;
            case IpProto.SCTP -> SCTP + slot + 1;
            case IpProto.DCCP -> slot < 7 ? DCCP + slot + 1 : -1;
            default -> {
                int g = switch (l4proto) {
                    case IpProto.UDP -> 0;
                    case IpProto.UDPLITE -> 1;
                    case IpProto.ICMP -> 2;
                    case IpProto.ICMPV6 -> 3;
                    case IpProto.GRE -> 4;
                    default -> 5;
                };
                yield slot < 3 ? STATELESS + 3 * g + slot : -1;
            }
        };
    }

    /** The per-tuple counter slot 0..7 of a state, or -1 for states without one. */
    static int slot(int id) {
        return SLOTS[id];
    }
}
