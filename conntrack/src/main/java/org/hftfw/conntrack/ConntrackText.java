package org.hftfw.conntrack;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.EnumSet;
import java.util.Set;

/**
 * Formats entries and events exactly as the {@code conntrack} tool (conntrack-tools 1.4.x with
 * libnetfilter_conntrack) prints them: {@code conntrack -L [-o extended,id]} and
 * {@code conntrack -E -o timestamp[,extended,id]}.
 *
 * <p>Field order follows libnetfilter_conntrack's src/conntrack/snprintf_default.c
 * ({@code __snprintf_conntrack_default}): [event tag], [l3 name and number], l4 name and number, timeout, protocol
 * state, original tuple, original counters, [UNREPLIED], reply tuple, reply counters,
 * [HW_OFFLOAD]|[OFFLOAD]|[ASSURED], mark, zone, delta-time, helper, use, id. An attribute the kernel did not send is
 * not printed; the model marks absence as timeout -1, protocol state -1, counters null, use 0, start timestamp 0.
 * {@code conntrack -E} prefixes {@code [seconds.micros]\t} ({@code printf("[%-.8ld.%-.6ld]\t")}) and appends
 * {@code [USERSPACE] portid=N} for events caused by a netlink request (conntrack-tools src/conntrack.c, event_cb).
 *
 * <p>Marks: a dump always carries CTA_MARK, so {@link #entry} always prints {@code mark=}. An event carries it only
 * when the mark is non-zero or was just set (ctnetlink_conntrack_event: {@code ctnetlink_dump_mark(skb, ct,
 * events & IPCT_MARK)}), and ctnetlink sets IPCT_MARK on every entry it creates or updates; so {@link #event} prints
 * {@code mark=} when it is non-zero, or when the event came from a netlink request (portid != 0) and is not a
 * DESTROY. Not modelled, hence never printed: directional tuple zones (zone-orig/zone-reply), secmark/secctx,
 * labels, and the kernel timestamps of {@code -o ktimestamp}.
 */
public final class ConntrackText {
    /** Output options of {@code conntrack -o}. */
    public enum Option {
        /** {@code -o extended}: the layer-3 name and number first ("ipv4     2 "). */
        EXTENDED,
        /** {@code -o id}: the conntrack id last. */
        ID,
        /**
         * No reply tuple unless NAT changed it: how conntrackd's {@code -e} prints its external cache, whose flows
         * come from the peer without a reply tuple (an un-NATed flow's is the inverse of the original).
         */
        WITHOUT_REPLY
    }

    private static final String[] TCP_STATES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
        "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};
    private static final String[] SCTP_STATES = {"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
        "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"};
    private static final String[] DCCP_STATES = {"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ",
        "CLOSING", "TIMEWAIT", "IGNORE", "INVALID"};

    private ConntrackText() {}

    /** A line of {@code conntrack -L}; {@code delta-time} (with kernel timestamps on) uses the current time. */
    public static String entry(ConntrackEntry e, Option... options) {
        return entry(e, System.currentTimeMillis() / 1000, options);
    }

    /** A line of {@code conntrack -L}, with {@code nowEpochSeconds} for the delta-time of a running entry. */
    public static String entry(ConntrackEntry e, long nowEpochSeconds, Option... options) {
        StringBuilder sb = new StringBuilder(256);
        body(sb, e, true, set(options), nowEpochSeconds);
        return sb.toString();
    }

    /** A line of {@code conntrack -E -o timestamp} for an event the kernel raised itself (traffic, timeouts). */
    public static String event(ConntrackEvent ev, Option... options) {
        return event(ev, 0, options);
    }

    /**
     * A line of {@code conntrack -E -o timestamp}; {@code portid} is the netlink port of the request that caused
     * the event (nlmsg_pid of the event message), 0 when the kernel raised it.
     */
    public static String event(ConntrackEvent ev, int portid, Option... options) {
        StringBuilder sb = new StringBuilder(280);
        sb.append(timestampPrefix(ev.epochMicros()));
        String tag = ev.type().tag();
        sb.append(" ".repeat(Math.max(0, 9 - tag.length()))).append(tag).append(' ');
        boolean markPresent = ev.entry().mark() != 0 || (portid != 0 && ev.type() != EventType.DESTROY);
        long now = ev.epochMicros() / 1_000_000;
        body(sb, ev.entry(), markPresent, set(options), now);
        if (portid != 0) {
            sb.append(" [USERSPACE] portid=").append(Integer.toUnsignedString(portid));
        }
        return sb.toString();
    }

    /** {@code [seconds.micros]\t} as {@code conntrack -o timestamp} prints it. */
    public static String timestampPrefix(long epochMicros) {
        long sec = Math.floorDiv(epochMicros, 1_000_000);
        long usec = Math.floorMod(epochMicros, 1_000_000);
        String u = Long.toString(usec);
        return "[" + sec + "." + "0".repeat(6 - u.length()) + u + "]\t";
    }

    private static Set<Option> set(Option[] options) {
        Set<Option> s = EnumSet.noneOf(Option.class);
        for (Option o : options) {
            s.add(o);
        }
        return s;
    }

    private static void body(StringBuilder sb, ConntrackEntry e, boolean markPresent, Set<Option> options, long now) {
        Tuple o = e.original();
        if (options.contains(Option.EXTENDED)) {
            padded(sb, o.isIpv4() ? "ipv4" : "ipv6").append(o.family()).append(' ');
        }
        padded(sb, IpProto.name(e.l4proto())).append(e.l4proto()).append(' ');
        if (e.timeout() >= 0) {
            sb.append(e.timeout()).append(' ');
        }
        String state = stateName(e.l4proto(), e.protoState());
        if (state != null) {
            sb.append(state).append(' ');
        }
        tuple(sb, o);
        counters(sb, e.originalCounters());
        if (!e.hasStatus(Status.SEEN_REPLY)) {
            sb.append("[UNREPLIED] ");
        }
        if (!options.contains(Option.WITHOUT_REPLY) || e.isNatted()) {
            tuple(sb, e.reply());
            counters(sb, e.replyCounters());
        }
        if (e.hasStatus(Status.HW_OFFLOAD)) {
            sb.append("[HW_OFFLOAD] ");
        } else if (e.hasStatus(Status.OFFLOAD)) {
            sb.append("[OFFLOAD] ");
        } else if (e.hasStatus(Status.ASSURED)) {
            sb.append("[ASSURED] ");
        }
        if (markPresent) {
            sb.append("mark=").append(e.mark()).append(' ');
        }
        if (e.zone() != 0) {
            sb.append("zone=").append(e.zone()).append(' ');
        }
        if (e.startNanos() != 0) {
            long stop = e.stopNanos() == 0 ? now : e.stopNanos() / 1_000_000_000L;
            sb.append("delta-time=").append(stop - e.startNanos() / 1_000_000_000L).append(' ');
        }
        if (e.helper() != null) {
            sb.append("helper=").append(e.helper()).append(' ');
        }
        if (e.use() != 0) {
            sb.append("use=").append(Integer.toUnsignedString(e.use())).append(' ');
        }
        if (options.contains(Option.ID) && e.id() != 0) {
            sb.append("id=").append(e.id()).append(' ');
        }
        sb.setLength(sb.length() - 1);
    }

    /** {@code %-8s } then the number: names shorter than 8 are padded, longer ones are not cut. */
    private static StringBuilder padded(StringBuilder sb, String name) {
        sb.append(name);
        for (int i = name.length(); i < 8; i++) {
            sb.append(' ');
        }
        return sb.append(' ');
    }

    private static String stateName(int l4proto, int state) {
        if (state < 0) {
            return null;
        }
        return switch (l4proto) {
            case IpProto.TCP -> state < TCP_STATES.length ? TCP_STATES[state] : TCP_STATES[0];
            case IpProto.SCTP -> state < SCTP_STATES.length ? SCTP_STATES[state] : SCTP_STATES[0];
            case IpProto.DCCP -> state < DCCP_STATES.length ? DCCP_STATES[state] : DCCP_STATES[0];
            default -> null;
        };
    }

    private static void tuple(StringBuilder sb, Tuple t) {
        sb.append("src=").append(address(t.src())).append(" dst=").append(address(t.dst())).append(' ');
        switch (t.l4proto()) {
            case IpProto.TCP, IpProto.UDP, IpProto.UDPLITE, IpProto.SCTP, IpProto.DCCP ->
                    sb.append("sport=").append(t.sport()).append(" dport=").append(t.dport()).append(' ');
            case IpProto.GRE -> sb.append("srckey=0x").append(Integer.toHexString(t.sport()))
                    .append(" dstkey=0x").append(Integer.toHexString(t.dport())).append(' ');
            case IpProto.ICMP, IpProto.ICMPV6 -> sb.append("type=").append(t.icmpType()).append(" code=")
                    .append(t.icmpCode()).append(" id=").append(t.icmpId()).append(' ');
            default -> { }
        }
    }

    private static void counters(StringBuilder sb, Counters c) {
        if (c != null) {
            sb.append("packets=").append(Long.toUnsignedString(c.packets())).append(" bytes=")
                    .append(Long.toUnsignedString(c.bytes())).append(' ');
        }
    }

    /** An address as inet_ntoa/inet_ntop print it (RFC 5952 compression, embedded IPv4 as glibc does). */
    public static String address(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestBase = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestBase = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestBase = -1;
        }
        StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0) {
                sb.append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
                sb.append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.')
                        .append(b[14] & 0xff).append('.').append(b[15] & 0xff);
                return sb.toString();
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) {
            sb.append(':');
        }
        return sb.toString();
    }
}
