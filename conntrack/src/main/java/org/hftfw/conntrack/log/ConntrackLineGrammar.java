package org.hftfw.conntrack.log;

import java.net.InetAddress;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.StateNames;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * The grammar of one line of {@code conntrack -E} / {@code conntrack -L} text output.
 *
 * <p>Design note. The line is what libnetfilter_conntrack's {@code __snprintf_conntrack_default}
 * ({@code src/conntrack/snprintf_default.c}) prints, prefixed by conntrack-tools' {@code -o timestamp}
 * ({@code [sec.usec]} and a tab) and followed, for changes made by a program, by
 * {@code [USERSPACE] portid=N progname=NAME}:
 * <pre>
 * [ts]  [TAG]  [l3name l3num]  l4name l4num  [timeout]  [STATE]
 *       src= dst= (sport= dport= | type= code= id= | srckey= dstkey=)  [zone-orig=] [packets= bytes=]  [[UNREPLIED]]
 *       src= dst= (same L4 keys)  [zone-reply=] [packets= bytes=]
 *       [[ASSURED]|[OFFLOAD]|[HW_OFFLOAD]] [mark=] [secmark=] [secctx=] [zone=] [delta-time=] [[start=...]] [[stop=...]]
 *       [helper=] [use=] [id=] [labels=] [[USERSPACE] portid= progname=]
 * </pre>
 * Every part in brackets may be missing: events carry only the attributes the kernel put in the message (a
 * DESTROY after expiry has no timeout, an UPDATE caused by a mark change has no TCP state). The status is
 * rebuilt from what the text shows: CONFIRMED (every listed or notified entry is in the hash), SEEN_REPLY
 * unless {@code [UNREPLIED]}, ASSURED/OFFLOAD/HW_OFFLOAD from their tags, and SRC_NAT/DST_NAT (with their
 * _DONE bits) when the reply tuple is not the inverse of the original one. {@code delta-time},
 * {@code [start=]}/{@code [stop=]} (whole seconds in local time), {@code secmark}, {@code secctx},
 * {@code labels}, directional zones, GRE keys and the {@code [USERSPACE]} trailer are accepted and not kept:
 * the data model has no place for them. Unknown {@code key=value} pairs and {@code [TAGS]} after the reply
 * tuple are skipped, so newer conntrack versions still parse; anything else out of place is malformed.
 */
final class ConntrackLineGrammar {
    private static final long U16 = 0xffff;
    private static final long U32 = 0xffff_ffffL;
    private static final ParsedLine.Ignored IGNORED = new ParsedLine.Ignored(false);
    private static final ParsedLine.Ignored OVERRUN = new ParsedLine.Ignored(true);

    private ConntrackLineGrammar() {}

    /**
     * Parses a line.
     *
     * @throws MalformedException with a reason when the line is neither a flow nor an expected tool message
     */
    static ParsedLine parse(String line) {
        String s = line.strip();
        if (s.isEmpty()) {
            return IGNORED;
        }
        if (s.startsWith("WARNING: We have hit ENOBUFS")) {
            return OVERRUN;
        }
        if (s.startsWith("conntrack v") || s.startsWith("NOTICE:") || s.startsWith("This message means")
                || s.startsWith("Please, check --buffer-size")) {
            return IGNORED;
        }
        if (s.charAt(0) == '<') {
            throw new MalformedException("XML output (-o xml) is not supported; record with -o timestamp,id");
        }
        return flow(new LineCursor(s));
    }

    private static ParsedLine.Flow flow(LineCursor c) {
        long epochMicros = -1;
        if (c.isBracketed() && !c.is("[NEW]") && !c.is("[UPDATE]") && !c.is("[DESTROY]")) {
            epochMicros = timestamp(c.token());
            c.advance();
        }
        EventType type = null;
        if (c.is("[NEW]")) {
            type = EventType.NEW;
        } else if (c.is("[UPDATE]")) {
            type = EventType.UPDATE;
        } else if (c.is("[DESTROY]")) {
            type = EventType.DESTROY;
        }
        if (type != null) {
            c.advance();
        }
        int family = 0;
        if (c.is("ipv4") || c.is("ipv6") || c.is("unknown")) {
            boolean v6 = c.is("ipv6");
            boolean unknown = c.is("unknown");
            c.advance();
            long num = c.tokenNumber("layer-3 protocol number", 255);
            if (unknown || (v6 ? num != 10 : num != 2)) {
                throw new MalformedException("unsupported layer-3 protocol " + num);
            }
            family = (int) num;
            c.advance();
        }
        if (c.atEnd()) {
            throw new MalformedException("truncated: no layer-4 protocol");
        }
        String l4name = c.token();
        int byName = IpProto.parse(l4name);
        c.advance();
        int l4proto = (int) c.tokenNumber("layer-4 protocol number", 255);
        if (byName != l4proto && !"unknown".equals(l4name)) {
            throw new MalformedException("protocol name '" + l4name + "' does not match number " + l4proto);
        }
        c.advance();
        long timeout = -1;
        if (c.isDigits()) {
            timeout = c.tokenNumber("timeout", U32);
            c.advance();
        }
        int protoState = -1;
        if (!c.atEnd() && !c.isPair() && !c.isBracketed()) {
            String name = c.token();
            protoState = StateNames.parseProtoState(l4proto, name);
            if (protoState < 0) {
                throw new MalformedException("unknown " + IpProto.name(l4proto) + " state '" + name + "'");
            }
            c.advance();
        }

        Tuple original = tuple(c, l4proto, "original");
        Counters origCounters = null;
        boolean unreplied = false;
        while (!c.atEnd() && !c.isKey("src")) {
            if (c.isKey("packets")) {
                origCounters = counters(c);
            } else if (c.is("[UNREPLIED]")) {
                unreplied = true;
                c.advance();
            } else if (c.isKey("zone-orig")) {
                c.number("zone-orig", U16);
                c.advance();
            } else {
                throw new MalformedException("unexpected '" + c.token() + "' after the original tuple");
            }
        }
        if (c.atEnd()) {
            throw new MalformedException("truncated: no reply tuple");
        }
        Tuple reply = tuple(c, l4proto, "reply");
        if (original.isIpv4() != reply.isIpv4() || (family != 0 && original.family() != family)) {
            throw new MalformedException("address families of the tuples and the layer-3 protocol disagree");
        }

        ConntrackEntry.Builder b = ConntrackEntry.builder(original).reply(reply).protoState(protoState).timeout(timeout);
        long status = Status.CONFIRMED | (unreplied ? 0 : Status.SEEN_REPLY) | natStatus(original, reply);
        Counters replyCounters = null;
        while (!c.atEnd()) {
            if (c.isKey("packets")) {
                replyCounters = counters(c);
                continue;
            }
            if (c.is("[ASSURED]")) {
                status |= Status.ASSURED;
            } else if (c.is("[OFFLOAD]")) {
                status |= Status.OFFLOAD;
            } else if (c.is("[HW_OFFLOAD]")) {
                status |= Status.OFFLOAD | Status.HW_OFFLOAD;
            } else if (c.isKey("mark")) {
                b.mark(c.number("mark", U32));
            } else if (c.isKey("zone")) {
                b.zone((int) c.number("zone", U16));
            } else if (c.isKey("use")) {
                b.use((int) c.number("use", Integer.MAX_VALUE));
            } else if (c.isKey("id")) {
                b.id(c.number("id", U32));
            } else if (c.isKey("helper")) {
                b.helper(c.value());
            } else if (c.isKey("zone-reply") || c.isKey("delta-time") || c.isKey("secmark")) {
                c.number("value", Long.MAX_VALUE);
            } else if (!c.isPair() && !c.isBracketed()) {
                throw new MalformedException("unexpected '" + c.token() + "' after the reply tuple");
            }
            c.advance();
        }
        if (origCounters != null || replyCounters != null) {
            b.counters(origCounters, replyCounters);
        }
        return new ParsedLine.Flow(type, epochMicros, b.status(status).build());
    }

    /** {@code [1700000000.123456]}: seconds and a fraction (conntrack prints 6 digits) → µs. */
    static long timestamp(String token) {
        int dot = token.indexOf('.');
        if (dot < 2 || token.length() < 4) {
            throw new MalformedException("bad timestamp " + token);
        }
        LineCursor secs = new LineCursor(token.substring(1, dot));
        long s = secs.tokenNumber("timestamp seconds", Long.MAX_VALUE / 1_000_000L - 1);
        String frac = token.substring(dot + 1, token.length() - 1);
        if (frac.isEmpty() || frac.length() > 9) {
            throw new MalformedException("bad timestamp " + token);
        }
        long f = new LineCursor(frac).tokenNumber("timestamp fraction", 999_999_999L);
        for (int i = frac.length(); i < 6; i++) {
            f *= 10;
        }
        for (int i = frac.length(); i > 6; i--) {
            f /= 10;
        }
        return s * 1_000_000L + f;
    }

    private static Tuple tuple(LineCursor c, int l4proto, String direction) {
        InetAddress src = address(c, "src", direction);
        InetAddress dst = address(c, "dst", direction);
        if (src.getClass() != dst.getClass()) {
            throw new MalformedException(direction + " tuple mixes IPv4 and IPv6 addresses");
        }
        if (IpProto.hasPorts(l4proto)) {
            int sport = (int) keyed(c, "sport", U16, direction);
            int dport = (int) keyed(c, "dport", U16, direction);
            return Tuple.ports(src, dst, l4proto, sport, dport);
        }
        if (IpProto.isIcmp(l4proto)) {
            int type = (int) keyed(c, "type", 255, direction);
            int code = (int) keyed(c, "code", 255, direction);
            int id = (int) keyed(c, "id", U16, direction);
            return Tuple.icmp(src, dst, l4proto, type, code, id);
        }
        if (l4proto == IpProto.GRE) {
            expectKey(c, "srckey", direction);
            c.hexOrDecimal("srckey", U32);
            c.advance();
            expectKey(c, "dstkey", direction);
            c.hexOrDecimal("dstkey", U32);
            c.advance();
        }
        return new Tuple(src, dst, l4proto, 0, 0, 0, 0, 0);
    }

    private static InetAddress address(LineCursor c, String key, String direction) {
        expectKey(c, key, direction);
        InetAddress a = AddressLiteral.parse(c.value());
        c.advance();
        return a;
    }

    private static long keyed(LineCursor c, String key, long max, String direction) {
        expectKey(c, key, direction);
        long v = c.number(key, max);
        c.advance();
        return v;
    }

    private static void expectKey(LineCursor c, String key, String direction) {
        if (!c.isKey(key)) {
            throw new MalformedException(c.atEnd()
                    ? "truncated: " + direction + " tuple has no " + key + "="
                    : "expected " + key + "= in the " + direction + " tuple, found '" + c.token() + "'");
        }
    }

    private static Counters counters(LineCursor c) {
        long packets = c.number("packets", Long.MAX_VALUE);
        c.advance();
        if (!c.isKey("bytes")) {
            throw new MalformedException("packets= without bytes=");
        }
        long bytes = c.number("bytes", Long.MAX_VALUE);
        c.advance();
        return new Counters(packets, bytes);
    }

    private static long natStatus(Tuple orig, Tuple reply) {
        long st = 0;
        boolean icmp = IpProto.isIcmp(orig.l4proto());
        if (!reply.dst().equals(orig.src()) || (!icmp && reply.dport() != orig.sport())) {
            st |= Status.SRC_NAT | Status.SRC_NAT_DONE;
        }
        if (!reply.src().equals(orig.dst()) || (!icmp && reply.sport() != orig.dport())) {
            st |= Status.DST_NAT | Status.DST_NAT_DONE;
        }
        return st;
    }
}
