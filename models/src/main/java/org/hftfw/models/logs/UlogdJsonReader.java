package org.hftfw.models.logs;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.StateNames;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.log.ParseReport;

/**
 * Reads ulogd2's JSON output of its NFCT input plugin (stack {@code NFCT → IP2STR → JSON}, {@code hash_enable=0},
 * {@code event_mask=0x7}): one JSON object per line. Keys are those of ulogd2's {@code input/flow/ulogd_inpflow_NFCT.c}
 * and {@code output/ulogd_output_JSON.c}:
 * <ul>
 *   <li>event: {@code ct.event} = libnetfilter_conntrack's {@code NFCT_T_NEW 1 / NFCT_T_UPDATE 2 / NFCT_T_DESTROY 4}
 *       (names "NEW", "UPDATE", "DESTROY" accepted too);</li>
 *   <li>tuple: {@code orig.ip.saddr.str}/{@code orig.ip.daddr.str} (IP2STR; also {@code orig.ip.saddr},
 *       {@code orig.ip6.saddr[.str]} and the CIM names {@code src_ip}/{@code dest_ip} as strings),
 *       {@code orig.ip.protocol}, {@code orig.l4.sport}/{@code orig.l4.dport} ({@code src_port}/{@code dest_port}),
 *       {@code icmp.type}/{@code icmp.code}; the {@code reply.*} keys when present (NAT), else the inverse;</li>
 *   <li>{@code ct.id}, {@code ct.mark};</li>
 *   <li>state: NFCT does not export the protocol state nor the status bits. {@code ct.state} (name or kernel
 *       number) and {@code ct.status} (bits) are read when a pipeline adds them. Without {@code ct.state} a TCP,
 *       SCTP or DCCP NEW/UPDATE line is malformed (a state-less TCP event cannot be classified). Without
 *       {@code ct.status} a stateless flow's label is inferred from the kernel's sequence: NEW unreplied, first
 *       UPDATE replied (SEEN_REPLY), later UPDATEs assured;</li>
 *   <li>time: {@code oob.time.sec}+{@code oob.time.usec} when present; else {@code flow.start.sec/usec} for NEW and
 *       {@code flow.end.sec/usec} for DESTROY; else the plugin's {@code timestamp} string (local time, whole seconds
 *       unless microseconds were available). Lines are in arrival order, so a time earlier than the previous line's
 *       (a coarser source) is raised to it and counted in {@link #clampedTimes()}.</li>
 * </ul>
 * A line that is not such an object is counted as malformed with its number and reason; reading goes on.
 */
final class UlogdJsonReader implements FlowLogReader {
    private final BufferedReader in;
    private final String name;
    private final ZoneId zone;
    private long lines;
    private long ignored;
    private long nw;
    private long up;
    private long de;
    private long malformed;
    private long clamped;
    private long lastMicros = Long.MIN_VALUE;
    private final List<ParseReport.MalformedLine> examples = new ArrayList<>();
    private final Map<Tuple, Integer> updatesSeen = new HashMap<>();

    UlogdJsonReader(BufferedReader in, String name, ZoneId zone) {
        this.in = in;
        this.name = name;
        this.zone = zone;
    }

    @Override
    public ConntrackEvent next() throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            lines++;
            if (line.isBlank()) {
                ignored++;
                continue;
            }
            try {
                ConntrackEvent e = parse(FlatJson.parseObject(line));
                switch (e.type()) {
                    case NEW -> nw++;
                    case UPDATE -> up++;
                    case DESTROY -> de++;
                }
                return e;
            } catch (IllegalArgumentException ex) {
                malformed++;
                if (examples.size() < ParseReport.MAX_EXAMPLES) {
                    examples.add(new ParseReport.MalformedLine(lines, ex.getMessage(),
                            line.length() > 200 ? line.substring(0, 200) : line));
                }
            }
        }
        return null;
    }

    private ConntrackEvent parse(Map<String, Object> o) {
        EventType type = eventType(o.get("ct.event"));
        InetAddress src = address(o, "orig", "saddr", "src_ip");
        InetAddress dst = address(o, "orig", "daddr", "dest_ip");
        int proto = (int) integer(o, "orig.ip.protocol", 0, 255, true);
        Tuple orig = tuple(o, src, dst, proto, "orig.l4.sport", "orig.l4.dport", "src_port", "dest_port");
        ConntrackEntry.Builder b = ConntrackEntry.builder(orig);
        if (o.containsKey("reply.ip.saddr.str") || o.containsKey("reply.ip.saddr")
                || o.containsKey("reply.ip6.saddr.str") || o.containsKey("reply.ip6.saddr")) {
            InetAddress rs = address(o, "reply", "saddr", null);
            InetAddress rd = address(o, "reply", "daddr", null);
            b.reply(tuple(o, rs, rd, proto, "reply.l4.sport", "reply.l4.dport", null, null));
        }
        b.id(integer(o, "ct.id", 0, 0xffffffffL, false));
        b.mark(integer(o, "ct.mark", 0, 0xffffffffL, false));
        boolean stateful = proto == IpProto.TCP || proto == IpProto.SCTP || proto == IpProto.DCCP;
        Object st = o.get("ct.state");
        if (stateful) {
            if (st != null) {
                int s = st instanceof Long n ? n.intValue()
                        : StateNames.parseProtoState(proto, st.toString().toUpperCase(Locale.ROOT));
                if (s < 0 || StateNames.protoStateName(proto, s) == null) {
                    throw new IllegalArgumentException("unknown " + IpProto.name(proto) + " state '" + st + "'");
                }
                b.protoState(s);
            } else if (type != EventType.DESTROY) {
                throw new IllegalArgumentException(IpProto.name(proto) + " " + type + " without ct.state (ulogd2's "
                        + "NFCT plugin does not export the protocol state; add it to the pipeline)");
            }
        }
        long status;
        if (o.containsKey("ct.status")) {
            status = integer(o, "ct.status", 0, 0xffffffffL, true);
        } else {
            status = inferredStatus(type, orig, stateful, o.containsKey("ct.state"));
        }
        b.status(status);
        long micros = micros(o, type);
        if (micros < lastMicros) {
            clamped++;
            micros = lastMicros;
        }
        lastMicros = micros;
        return new ConntrackEvent(type, b.build(), micros * 1000L, micros);
    }

    private long inferredStatus(EventType type, Tuple orig, boolean stateful, boolean hasState) {
        if (stateful) {
            return hasState ? Status.SEEN_REPLY | Status.ASSURED : 0;
        }
        return switch (type) {
            case NEW -> {
                updatesSeen.put(orig, 0);
                yield 0;
            }
            case UPDATE -> {
                int n = updatesSeen.merge(orig, 1, Integer::sum);
                yield n <= 1 ? Status.SEEN_REPLY : Status.SEEN_REPLY | Status.ASSURED;
            }
            case DESTROY -> {
                Integer n = updatesSeen.remove(orig);
                yield n == null || n == 0 ? 0 : n == 1 ? Status.SEEN_REPLY : Status.SEEN_REPLY | Status.ASSURED;
            }
        };
    }

    private static EventType eventType(Object v) {
        if (v instanceof Long n) {
            return switch (n.intValue()) {
                case 1 -> EventType.NEW;
                case 2 -> EventType.UPDATE;
                case 4 -> EventType.DESTROY;
                default -> throw new IllegalArgumentException("ct.event " + n + " is not NEW (1), UPDATE (2) or "
                        + "DESTROY (4)");
            };
        }
        if (v instanceof String s) {
            try {
                return EventType.valueOf(s.trim().toUpperCase(Locale.ROOT).replace("[", "").replace("]", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ct.event '" + s + "' is not NEW, UPDATE or DESTROY");
            }
        }
        throw new IllegalArgumentException(v == null ? "no ct.event (not an NFCT flow event line)"
                : "ct.event is not a number");
    }

    private static InetAddress address(Map<String, Object> o, String dir, String which, String cim) {
        Object v = null;
        for (String k : new String[] {dir + ".ip." + which + ".str", dir + ".ip6." + which + ".str",
            dir + ".ip." + which, dir + ".ip6." + which, cim}) {
            if (k != null && o.get(k) != null) {
                v = o.get(k);
                break;
            }
        }
        if (v == null) {
            throw new IllegalArgumentException("no " + dir + ".ip." + which + ".str address");
        }
        if (v instanceof Long n && n >= 0 && n <= 0xffffffffL) {
            // ulogd keeps IPv4 addresses in network byte order in a u32: little-endian hosts print it reversed
            long a = n;
            return literal(String.format(Locale.ROOT, "%d.%d.%d.%d", a & 0xff, a >>> 8 & 0xff, a >>> 16 & 0xff,
                    a >>> 24 & 0xff));
        }
        return literal(v.toString());
    }

    private static InetAddress literal(String s) {
        String t = s.trim();
        boolean ok = !t.isEmpty() && (t.indexOf(':') >= 0 ? t.chars().allMatch(c -> Character.digit(c, 16) >= 0
                || c == ':' || c == '.') : t.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.'));
        if (!ok) {
            throw new IllegalArgumentException("not an IP address literal: '" + s + "'");
        }
        try {
            return InetAddress.getByName(t);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an IP address literal: '" + s + "'");
        }
    }

    private static Tuple tuple(Map<String, Object> o, InetAddress src, InetAddress dst, int proto, String sportKey,
                               String dportKey, String sportCim, String dportCim) {
        if (src.getAddress().length != dst.getAddress().length) {
            throw new IllegalArgumentException("source and destination are of different address families");
        }
        if (IpProto.isIcmp(proto)) {
            return Tuple.icmp(src, dst, proto, (int) integer(o, "icmp.type", 0, 255, false),
                    (int) integer(o, "icmp.code", 0, 255, false), 0);
        }
        if (IpProto.hasPorts(proto)) {
            String sk = o.containsKey(sportKey) || sportCim == null ? sportKey : sportCim;
            String dk = o.containsKey(dportKey) || dportCim == null ? dportKey : dportCim;
            return Tuple.ports(src, dst, proto, (int) integer(o, sk, 0, 0xffff, true),
                    (int) integer(o, dk, 0, 0xffff, true));
        }
        return Tuple.ports(src, dst, proto, 0, 0);
    }

    private static long integer(Map<String, Object> o, String key, long min, long max, boolean required) {
        Object v = o.get(key);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("no " + key);
            }
            return 0;
        }
        long n;
        if (v instanceof Long l) {
            n = l;
        } else if (v instanceof String s) {
            try {
                n = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " is not a number: '" + s + "'");
            }
        } else {
            throw new IllegalArgumentException(key + " is not an integer");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + " out of range: " + n);
        }
        return n;
    }

    private long micros(Map<String, Object> o, EventType type) {
        if (o.get("oob.time.sec") != null) {
            return integer(o, "oob.time.sec", 0, Long.MAX_VALUE / 2_000_000, true) * 1_000_000
                    + integer(o, "oob.time.usec", 0, 999_999, false);
        }
        String p = type == EventType.NEW ? "flow.start" : type == EventType.DESTROY ? "flow.end" : null;
        if (p != null && o.get(p + ".sec") != null) {
            return integer(o, p + ".sec", 0, Long.MAX_VALUE / 2_000_000, true) * 1_000_000
                    + integer(o, p + ".usec", 0, 999_999, false);
        }
        Object ts = o.get("timestamp");
        if (ts instanceof String s) {
            return parseTimestamp(s);
        }
        throw new IllegalArgumentException("no time: neither oob.time.sec, " + (p == null ? "" : p + ".sec, ")
                + "nor timestamp");
    }

    private long parseTimestamp(String s) {
        try {
            java.time.Instant t;
            try {
                t = OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                t = LocalDateTime.parse(s).atZone(zone).toInstant();
            }
            return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("timestamp '" + s + "' is not ISO-8601 (e.g. 2024-05-01T12:00:00.123456)");
        }
    }

    /** Events whose time was raised to the previous line's (coarser time source). */
    long clampedTimes() {
        return clamped;
    }

    @Override
    public long lineNumber() {
        return lines;
    }

    @Override
    public ParseReport report() {
        return new ParseReport(lines, nw, up, de, 0, ignored, 0, malformed, examples);
    }

    @Override
    public String notes() {
        return clamped == 0 ? "" : clamped + " event times raised to the previous line's (coarser time source)";
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
