package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.MutableEntry;
import org.hftfw.conntrack.Tuple;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes one ctnetlink conntrack message (dump reply or event) into a {@link ConntrackEntry}, or for the event path
 * into the decoder's reused {@link MutableEntry} ({@link #decodeView}: no entry built per event), mirroring the
 * attribute layout the kernel writes in ctnetlink_fill_info / ctnetlink_conntrack_event
 * (net/netfilter/nf_conntrack_netlink.c) and the way libnetfilter_conntrack's parse_mnl.c reads it.
 *
 * <p>Validation policy:
 * <ul>
 *   <li>Structural damage - an attribute header that does not fit, an {@code nla_len} below 4 or past the end of
 *       its container, a fixed-size attribute of the wrong length (u8, be16, be32, be64, IPv4/IPv6 address, TCP
 *       flag pair), a tuple without addresses or protocol number, mixed address families - throws
 *       {@link MalformedException} naming the attribute path. The caller counts it and goes on with the next
 *       message: one message's damage never stops the stream.</li>
 *   <li>Attribute types this decoder does not know (a newer kernel) are skipped and counted in
 *       {@link #unknownAttributes()}: netlink is designed for that forward compatibility, and rejecting the
 *       entry would lose state the sidecar needs. Known attributes the data model does not carry (NAT ranges,
 *       sequence adjustment, labels, secctx, synproxy, master tuple, directional tuple zones, SCTP vtags, DCCP
 *       role) are skipped without counting.</li>
 *   <li>Absent optional attributes keep the model's "unknown" values: timeout -1, protocol state -1, counters
 *       null, use 0, id 0 - so a formatter can print exactly what the kernel sent.</li>
 * </ul>
 * Not thread-safe: one decoder per reading thread.
 */
final class CtDecoder {
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;

    private final AtomicLong unknownAttributes;

    // scratch state of the message being decoded
    private Tuple orig;
    /** The tuple cache's slot of {@link #orig} (an IPv4 tuple), -1 for none. */
    private int origSlot;
    private Tuple reply;
    private long status;
    private long timeout;
    private long mark;
    private int zone;
    private long id;
    private int use;
    private int protoState;
    private boolean origCounters;
    private long origPackets;
    private long origBytes;
    private boolean replyCounters;
    private long replyPackets;
    private long replyBytes;
    private long start;
    private long stop;
    private String helper;
    private int tcpWsOrig;
    private int tcpWsReply;
    private int tcpFlagsOrig;
    private int tcpFlagsReply;
    private boolean tcpInfo;
    private ConntrackEntry.TcpInfo lastTcp;
    /** The last helper name decoded and its bytes: a flow's events carry the same name, built once. */
    private String lastHelper;
    private byte[] lastHelperBytes = new byte[0];
    /** What {@link #decodeView} fills, reused for every message. */
    private final MutableEntry view = new MutableEntry();

    // scratch IPv6 address buffers: Inet6Address.getByAddress copies them, so they are reused for every tuple
    private final byte[] v6src = new byte[16];
    private final byte[] v6dst = new byte[16];
    /** Where the high byte of a host-order 16-bit value is: 1 on a little-endian host, 0 on a big-endian one. */
    private static final int H16_HIGH = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 1 : 0;
    /** The message being decoded, copied out of the datagram ({@link #copy}). */
    private byte[] msg = new byte[512];
    private final TupleCache cache;

    /** A decoder of dumps and replies (a request socket's; {@link TupleCache#REQUEST_SLOTS}). */
    CtDecoder() {
        this(new AtomicLong(), TupleCache.REQUEST_SLOTS);
    }

    /**
     * @param unknownAttributes counter of skipped unknown attribute types (shared by a table's decoders)
     * @param tupleSlots        slots of its tuple cache: {@link TupleCache#EVENT_SLOTS} for the event stream,
     *                          {@link TupleCache#REQUEST_SLOTS} for a request socket
     */
    CtDecoder(AtomicLong unknownAttributes, int tupleSlots) {
        this.unknownAttributes = unknownAttributes;
        this.cache = new TupleCache(tupleSlots);
    }

    /** Attribute types skipped because they were unknown. */
    long unknownAttributes() {
        return unknownAttributes.get();
    }

    /**
     * Decodes the attributes of a ctnetlink message.
     *
     * @param seg     the datagram
     * @param msgOff  offset of the nlmsghdr
     * @param msgLen  nlmsg_len (already checked to lie inside the datagram)
     */
    ConntrackEntry decode(MemorySegment seg, int msgOff, int msgLen) {
        parse(seg, msgOff, msgLen);
        return new ConntrackEntry(orig, reply != null ? reply : orig.inverted(), protoState, status, timeout, mark,
                zone, id, use, origCounters ? new Counters(origPackets, origBytes) : null,
                replyCounters ? new Counters(replyPackets, replyBytes) : null, start, stop, helper,
                tcpInfo ? tcpInfo() : null);
    }

    /**
     * Decodes like {@link #decode} into the decoder's reused entry, valid until the next call (the event path: issue
     * 14 item 4, no allocation per event once the flow's tuples are cached).
     */
    MutableEntry decodeView(MemorySegment seg, int msgOff, int msgLen) {
        parse(seg, msgOff, msgLen);
        view.set(orig, reply != null ? reply : orig.inverted(), protoState, status, timeout, mark, zone, id, use);
        if (origSlot >= 0) {
            view.flowId(cache.flowId(origSlot, orig, zone));      // the flow's key, kept beside its tuple
        }
        if (origCounters) {
            view.originalCounters(origPackets, origBytes);
        }
        if (replyCounters) {
            view.replyCounters(replyPackets, replyBytes);
        }
        view.timestamps(start, stop).helper(helper);
        if (tcpInfo) {
            view.tcp(tcpWsOrig, tcpWsReply, tcpFlagsOrig, tcpFlagsReply);
        }
        return view;
    }

    private void parse(MemorySegment seg, int msgOff, int msgLen) {
        if (msgLen < Nl.NLMSG_HDRLEN + Nl.NFGENMSG_LEN) {
            throw new MalformedException("ctnetlink message of " + msgLen + " bytes has no room for the nfgenmsg header");
        }
        reset();
        byte[] b = copy(seg, msgOff, msgLen);
        int end = msgLen;
        int pos = Nl.NLMSG_HDRLEN + Nl.NFGENMSG_LEN;
        while (pos < end) {
            int len = attrLen(b, pos, end, "");
            int type = h16(b, pos + 2) & Nl.NLA_TYPE_MASK;
            top(b, type, pos + Nl.NLA_HDRLEN, len - Nl.NLA_HDRLEN);
            pos = next(pos, len, end);
        }
        if (orig == null) {
            throw new MalformedException("ctnetlink message without CTA_TUPLE_ORIG");
        }
        if (reply != null && reply.l4proto() != orig.l4proto()) {
            throw new MalformedException("CTA_TUPLE_REPLY protocol " + reply.l4proto() + " differs from CTA_TUPLE_ORIG "
                    + orig.l4proto());
        }
        if (reply != null && reply.isIpv4() != orig.isIpv4()) {
            throw new MalformedException("CTA_TUPLE_REPLY and CTA_TUPLE_ORIG have different address families");
        }
    }

    /** The TCP details, the same object as last time when they did not change (most flows share them). */
    private ConntrackEntry.TcpInfo tcpInfo() {
        ConntrackEntry.TcpInfo t = lastTcp;
        if (t == null || t.wscaleOriginal() != tcpWsOrig || t.wscaleReply() != tcpWsReply
                || t.flagsOriginal() != tcpFlagsOrig || t.flagsReply() != tcpFlagsReply) {
            t = new ConntrackEntry.TcpInfo(tcpWsOrig, tcpWsReply, tcpFlagsOrig, tcpFlagsReply);
            lastTcp = t;
        }
        return t;
    }

    private void reset() {
        orig = null;
        origSlot = -1;
        reply = null;
        status = 0;
        timeout = -1;
        mark = 0;
        zone = 0;
        id = 0;
        use = 0;
        protoState = -1;
        origCounters = false;
        origPackets = origBytes = 0;
        replyCounters = false;
        replyPackets = replyBytes = 0;
        start = 0;
        stop = 0;
        helper = null;
        tcpInfo = false;
        tcpWsOrig = tcpWsReply = tcpFlagsOrig = tcpFlagsReply = 0;
    }

    private void top(byte[] seg, int type, int p, int l) {
        switch (type) {
            case Cta.TUPLE_ORIG -> {
                orig = tuple(seg, p, l, "CTA_TUPLE_ORIG", false);
                origSlot = orig.isIpv4() ? cache.lastSlot() : -1;
            }
            case Cta.TUPLE_REPLY -> reply = tuple(seg, p, l, "CTA_TUPLE_REPLY", true);
            case Cta.STATUS -> status = be32(seg, p, l, "CTA_STATUS");
            case Cta.PROTOINFO -> protoinfo(seg, p, l);
            case Cta.HELP -> help(seg, p, l);
            case Cta.TIMEOUT -> timeout = be32(seg, p, l, "CTA_TIMEOUT");
            case Cta.MARK -> mark = be32(seg, p, l, "CTA_MARK");
            case Cta.COUNTERS_ORIG -> {
                counters(seg, p, l, "CTA_COUNTERS_ORIG");
                origCounters = true;
                origPackets = counterPackets;
                origBytes = counterBytes;
            }
            case Cta.COUNTERS_REPLY -> {
                counters(seg, p, l, "CTA_COUNTERS_REPLY");
                replyCounters = true;
                replyPackets = counterPackets;
                replyBytes = counterBytes;
            }
            case Cta.USE -> use = (int) be32(seg, p, l, "CTA_USE");
            case Cta.ID -> id = be32(seg, p, l, "CTA_ID");
            case Cta.ZONE -> zone = be16(seg, p, l, "CTA_ZONE");
            case Cta.TIMESTAMP -> timestamp(seg, p, l);
            case Cta.SECMARK -> be32(seg, p, l, "CTA_SECMARK");
            case Cta.NAT_SRC, Cta.NAT_DST, Cta.TUPLE_MASTER, Cta.SEQ_ADJ_ORIG, Cta.SEQ_ADJ_REPLY, Cta.SECCTX,
                 Cta.LABELS, Cta.SYNPROXY, Cta.MARK_MASK, Cta.LABELS_MASK, Cta.FILTER, Cta.STATUS_MASK -> { }
            default -> unknownAttributes.incrementAndGet();
        }
    }

    /** Reads a CTA_TUPLE_* nest (payload at {@code p}, {@code l} bytes); also used for expectation tuples. */
    Tuple tuple(MemorySegment seg, int p, int l, String path) {
        return tuple(copy(seg, p, l), 0, l, path, false);
    }

    /**
     * Copies {@code len} bytes of {@code seg} from {@code off} into {@link #msg} (grown when they do not fit: the
     * largest message seen, amortised) and returns it. The attributes are then read from the array with plain loads
     * and shifts: a {@code MemorySegment} read is a chain of checks and calls (VarHandle guard, bounds, session
     * liveness, byte-order conversion) that C2 folds to one load but C1, the daemon's compiler (conf/daemon.jvm),
     * compiles as written, and a decoded event makes about sixty of them ({@code hftfw bench pipeline
     * --daemon-jit}, docs/performance.md §4, eighth round). One bulk copy costs less than that.
     */
    private byte[] copy(MemorySegment seg, long off, int len) {
        byte[] b = msg;
        if (b.length < len + Nl.NLA_HDRLEN) {              // slack: an attribute header cut by the end is read whole
            b = new byte[Math.max(len + Nl.NLA_HDRLEN, 2 * b.length)];
            msg = b;
        }
        MemorySegment.copy(seg, U8, off, b, 0, len);
        return b;
    }

    /** {@link #tuple}; a reply tuple that inverts the original just read is its cached inverse. */
    private Tuple tuple(byte[] seg, int p, int l, String path, boolean reply) {
        int end = p + l;
        int pos = p;
        int srcLen = 0;
        int dstLen = 0;
        int src4 = 0;
        int dst4 = 0;
        int proto = -1;
        int sport = 0;
        int dport = 0;
        int icmpType = 0;
        int icmpCode = 0;
        int icmpId = 0;
        while (pos < end) {
            int len = attrLen(seg, pos, end, path);
            int type = h16(seg, pos + 2) & Nl.NLA_TYPE_MASK;
            int ap = pos + Nl.NLA_HDRLEN;
            int al = len - Nl.NLA_HDRLEN;
            switch (type) {
                case Cta.TUPLE_IP -> {
                    int ipEnd = ap + al;
                    int ipPos = ap;
                    while (ipPos < ipEnd) {
                        int ilen = attrLen(seg, ipPos, ipEnd, path, "/CTA_TUPLE_IP");
                        int itype = h16(seg, ipPos + 2) & Nl.NLA_TYPE_MASK;
                        int ip = ipPos + Nl.NLA_HDRLEN;
                        int il = ilen - Nl.NLA_HDRLEN;
                        switch (itype) {
                            case Cta.IP_V4_SRC -> {
                                fixed(il, 4, path, "/CTA_TUPLE_IP/CTA_IP_V4_SRC");
                                src4 = be32(seg, ip);
                                srcLen = 4;
                            }
                            case Cta.IP_V4_DST -> {
                                fixed(il, 4, path, "/CTA_TUPLE_IP/CTA_IP_V4_DST");
                                dst4 = be32(seg, ip);
                                dstLen = 4;
                            }
                            case Cta.IP_V6_SRC -> {
                                bytes(seg, ip, il, v6src, path, "/CTA_TUPLE_IP/CTA_IP_V6_SRC");
                                srcLen = 16;
                            }
                            case Cta.IP_V6_DST -> {
                                bytes(seg, ip, il, v6dst, path, "/CTA_TUPLE_IP/CTA_IP_V6_DST");
                                dstLen = 16;
                            }
                            default -> unknownAttributes.incrementAndGet();
                        }
                        ipPos = next(ipPos, ilen, ipEnd);
                    }
                }
                case Cta.TUPLE_PROTO -> {
                    int prEnd = ap + al;
                    int prPos = ap;
                    while (prPos < prEnd) {
                        int plen = attrLen(seg, prPos, prEnd, path, "/CTA_TUPLE_PROTO");
                        int ptype = h16(seg, prPos + 2) & Nl.NLA_TYPE_MASK;
                        int pp = prPos + Nl.NLA_HDRLEN;
                        int pl = plen - Nl.NLA_HDRLEN;
                        switch (ptype) {
                            case Cta.PROTO_NUM -> proto = u8(seg, pp, pl, path, "/CTA_TUPLE_PROTO/CTA_PROTO_NUM");
                            case Cta.PROTO_SRC_PORT -> sport = be16(seg, pp, pl, path, "/CTA_TUPLE_PROTO/CTA_PROTO_SRC_PORT");
                            case Cta.PROTO_DST_PORT -> dport = be16(seg, pp, pl, path, "/CTA_TUPLE_PROTO/CTA_PROTO_DST_PORT");
                            case Cta.PROTO_ICMP_ID, Cta.PROTO_ICMPV6_ID -> icmpId = be16(seg, pp, pl, path, "/CTA_TUPLE_PROTO/CTA_PROTO_ICMP_ID");
                            case Cta.PROTO_ICMP_TYPE, Cta.PROTO_ICMPV6_TYPE -> icmpType = u8(seg, pp, pl, path, "/CTA_TUPLE_PROTO/CTA_PROTO_ICMP_TYPE");
                            case Cta.PROTO_ICMP_CODE, Cta.PROTO_ICMPV6_CODE -> icmpCode = u8(seg, pp, pl, path, "/CTA_TUPLE_PROTO/CTA_PROTO_ICMP_CODE");
                            default -> unknownAttributes.incrementAndGet();
                        }
                        prPos = next(prPos, plen, prEnd);
                    }
                }
                case Cta.TUPLE_ZONE -> be16(seg, ap, al, path, "/CTA_TUPLE_ZONE");
                default -> unknownAttributes.incrementAndGet();
            }
            pos = next(pos, len, end);
        }
        if (srcLen == 0 || dstLen == 0) {
            throw new MalformedException(path + ": tuple without source or destination address");
        }
        if (srcLen != dstLen) {
            throw new MalformedException(path + ": source and destination of different address families");
        }
        if (proto < 0) {
            throw new MalformedException(path + ": tuple without CTA_PROTO_NUM");
        }
        if (srcLen == 4) {
            return reply ? cache.v4Reply(src4, dst4, proto, sport, dport, icmpType, icmpCode, icmpId)
                    : cache.v4(src4, dst4, proto, sport, dport, icmpType, icmpCode, icmpId);
        }
        return new Tuple(v6(v6src), v6(v6dst), proto, sport, dport, icmpType, icmpCode, icmpId);
    }

    private InetAddress v6(byte[] raw) {
        return cache.v6(raw, be64(raw, 0), be64(raw, 8));
    }

    // nested attribute sets walked by walk(): which handler gets each attribute
    private static final int IN_PROTOINFO = 0;
    private static final int IN_TCP = 1;
    private static final int IN_SCTP = 2;
    private static final int IN_DCCP = 3;
    private static final int IN_HELP = 4;
    private static final int IN_COUNTERS = 5;
    private static final int IN_TIMESTAMP = 6;
    private static final String[] PATHS = {"CTA_PROTOINFO", "CTA_PROTOINFO/CTA_PROTOINFO_TCP",
        "CTA_PROTOINFO/CTA_PROTOINFO_SCTP", "CTA_PROTOINFO/CTA_PROTOINFO_DCCP", "CTA_HELP", null, "CTA_TIMESTAMP"};

    private long counterPackets;
    private long counterBytes;

    /**
     * Walks the attributes in [p, end) and hands each one (type, payload offset, payload length) to the handler of
     * {@code in} — libmnl's mnl_attr_for_each_nested, without allocating a callback per entry. Lengths are checked
     * by {@link #attrLen}: a truncated or overrunning attribute throws with {@code path}.
     */
    private void walk(byte[] seg, int p, int end, int in, String path) {
        for (int pos = p; pos < end; ) {
            int len = attrLen(seg, pos, end, path);
            int type = h16(seg, pos + 2) & Nl.NLA_TYPE_MASK;
            int ap = pos + Nl.NLA_HDRLEN;
            int al = len - Nl.NLA_HDRLEN;
            switch (in) {
                case IN_PROTOINFO -> protoinfoAttr(seg, type, ap, al);
                case IN_TCP -> tcpAttr(seg, type, ap, al, path);
                case IN_SCTP -> sctpAttr(seg, type, ap, al, path);
                case IN_DCCP -> dccpAttr(seg, type, ap, al, path);
                case IN_HELP -> helpAttr(seg, type, ap, al);
                case IN_COUNTERS -> countersAttr(seg, type, ap, al, path);
                case IN_TIMESTAMP -> timestampAttr(seg, type, ap, al);
                default -> throw new IllegalStateException("no attribute set " + in);
            }
            pos = next(pos, len, end);
        }
    }

    private void protoinfo(byte[] seg, int p, int l) {
        walk(seg, p, p + l, IN_PROTOINFO, PATHS[IN_PROTOINFO]);
    }

    private void protoinfoAttr(byte[] seg, int type, int ap, int al) {
        int in = switch (type) {
            case Cta.PROTOINFO_TCP -> IN_TCP;
            case Cta.PROTOINFO_SCTP -> IN_SCTP;
            case Cta.PROTOINFO_DCCP -> IN_DCCP;
            default -> -1;
        };
        if (in < 0) {
            unknownAttributes.incrementAndGet();
        } else {
            walk(seg, ap, ap + al, in, PATHS[in]);
        }
    }

    private void tcpAttr(byte[] seg, int qt, int qp, int qlen, String path) {
        switch (qt) {
            case Cta.TCP_STATE -> protoState = u8(seg, qp, qlen, path, "/STATE");
            case Cta.TCP_WSCALE_ORIGINAL -> {
                tcpWsOrig = u8(seg, qp, qlen, path, "/WSCALE_ORIGINAL");
                tcpInfo = true;
            }
            case Cta.TCP_WSCALE_REPLY -> {
                tcpWsReply = u8(seg, qp, qlen, path, "/WSCALE_REPLY");
                tcpInfo = true;
            }
            case Cta.TCP_FLAGS_ORIGINAL -> {
                tcpFlagsOrig = flagPair(seg, qp, qlen, path, "/FLAGS_ORIGINAL");
                tcpInfo = true;
            }
            case Cta.TCP_FLAGS_REPLY -> {
                tcpFlagsReply = flagPair(seg, qp, qlen, path, "/FLAGS_REPLY");
                tcpInfo = true;
            }
            default -> unknownAttributes.incrementAndGet();
        }
    }

    private void sctpAttr(byte[] seg, int qt, int qp, int qlen, String path) {
        switch (qt) {
            case Cta.SCTP_STATE -> protoState = u8(seg, qp, qlen, path, "/STATE");
            case Cta.SCTP_VTAG_ORIGINAL, Cta.SCTP_VTAG_REPLY -> be32(seg, qp, qlen, path, "/VTAG");
            default -> unknownAttributes.incrementAndGet();
        }
    }

    private void dccpAttr(byte[] seg, int qt, int qp, int qlen, String path) {
        switch (qt) {
            case Cta.DCCP_STATE -> protoState = u8(seg, qp, qlen, path, "/STATE");
            case Cta.DCCP_ROLE -> u8(seg, qp, qlen, path, "/ROLE");
            case Cta.DCCP_HANDSHAKE_SEQ -> be64(seg, qp, qlen, path, "/HANDSHAKE_SEQ");
            case Cta.DCCP_PAD -> { }
            default -> unknownAttributes.incrementAndGet();
        }
    }

    private void help(byte[] seg, int p, int l) {
        walk(seg, p, p + l, IN_HELP, PATHS[IN_HELP]);
    }

    private void helpAttr(byte[] seg, int type, int ap, int al) {
        switch (type) {
            case Cta.HELP_NAME -> helper = string(seg, ap, al);
            case Cta.HELP_INFO -> { }
            default -> unknownAttributes.incrementAndGet();
        }
    }

    /** Reads a counters nest into {@link #counterPackets} and {@link #counterBytes}. */
    private void counters(byte[] seg, int p, int l, String path) {
        counterPackets = 0;
        counterBytes = 0;
        walk(seg, p, p + l, IN_COUNTERS, path);
    }

    private void countersAttr(byte[] seg, int type, int ap, int al, String path) {
        switch (type) {
            case Cta.COUNTERS_PACKETS -> counterPackets = be64(seg, ap, al, path, "/CTA_COUNTERS_PACKETS");
            case Cta.COUNTERS_BYTES -> counterBytes = be64(seg, ap, al, path, "/CTA_COUNTERS_BYTES");
            case Cta.COUNTERS32_PACKETS -> counterPackets = be32(seg, ap, al, path, "/CTA_COUNTERS32_PACKETS");
            case Cta.COUNTERS32_BYTES -> counterBytes = be32(seg, ap, al, path, "/CTA_COUNTERS32_BYTES");
            case Cta.COUNTERS_PAD -> { }
            default -> unknownAttributes.incrementAndGet();
        }
    }

    private void timestamp(byte[] seg, int p, int l) {
        walk(seg, p, p + l, IN_TIMESTAMP, PATHS[IN_TIMESTAMP]);
    }

    private void timestampAttr(byte[] seg, int type, int ap, int al) {
        switch (type) {
            case Cta.TIMESTAMP_START -> start = be64(seg, ap, al, "CTA_TIMESTAMP/START");
            case Cta.TIMESTAMP_STOP -> stop = be64(seg, ap, al, "CTA_TIMESTAMP/STOP");
            case Cta.TIMESTAMP_PAD -> { }
            default -> unknownAttributes.incrementAndGet();
        }
    }

    private static int attrLen(byte[] seg, int pos, int end, String path) {
        return attrLen(seg, pos, end, path, "");
    }

    /**
     * Validates the attribute header at {@code pos} inside the container at path {@code path + sub}; returns nla_len.
     * The path is given in two parts and only joined when a message is built, so that valid input costs no string.
     */
    private static int attrLen(byte[] seg, int pos, int end, String path, String sub) {
        int len = h16(seg, pos);                            // inside the copy's slack when the header is cut
        if (len < Nl.NLA_HDRLEN || len > end - pos) {      // also when fewer than 4 bytes are left
            throw badAttribute(seg, pos, end, path, sub);
        }
        return len;
    }

    /** Why the attribute header at {@code pos} is bad (off the hot path: {@link #attrLen} stays small to inline). */
    private static MalformedException badAttribute(byte[] seg, int pos, int end, String container, String sub) {
        String path = container + sub;
        if (end - pos < Nl.NLA_HDRLEN) {
            return new MalformedException(where(path) + "truncated attribute header: " + (end - pos) + " bytes left");
        }
        int len = h16(seg, pos);
        int type = h16(seg, pos + 2) & Nl.NLA_TYPE_MASK;
        return new MalformedException(where(path) + "attribute type " + type + (len < Nl.NLA_HDRLEN
                ? " has nla_len " + len + " < 4"
                : " overruns its container: nla_len " + len + ", " + (end - pos) + " bytes left"));
    }

    private static String where(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    private static int next(int pos, int len, int end) {
        return Math.min(end, pos + Nl.align(len));
    }

    private static void fixed(int actual, int expected, String path, String leaf) {
        if (actual != expected) {
            throw new MalformedException(path + leaf + ": payload of " + actual + " bytes, expected " + expected);
        }
    }

    private static int u8(byte[] seg, int p, int l, String path, String leaf) {
        fixed(l, 1, path, leaf);
        return seg[p] & 0xff;
    }

    private static int be16(byte[] seg, int p, int l, String path) {
        return be16(seg, p, l, path, "");
    }

    private static int be16(byte[] seg, int p, int l, String path, String leaf) {
        fixed(l, 2, path, leaf);
        return be16(seg, p);
    }

    private static long be32(byte[] seg, int p, int l, String path) {
        return be32(seg, p, l, path, "");
    }

    private static long be32(byte[] seg, int p, int l, String path, String leaf) {
        fixed(l, 4, path, leaf);
        return be32(seg, p) & 0xffffffffL;
    }

    private static long be64(byte[] seg, int p, int l, String path) {
        return be64(seg, p, l, path, "");
    }

    private static long be64(byte[] seg, int p, int l, String path, String leaf) {
        fixed(l, 8, path, leaf);
        return be64(seg, p);
    }

    // the reads: plain loads and shifts, which C1 compiles as it does any array access (see copy)

    /** A 16-bit value in the host's order (netlink's headers: nla_len, nla_type). */
    private static int h16(byte[] b, int p) {
        return ((b[p + H16_HIGH] & 0xff) << 8) | (b[p + 1 - H16_HIGH] & 0xff);
    }

    private static int be16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    // each of these within C1's inlining limit (35 bytes of bytecode), so none is a call

    private static int be32(byte[] b, int p) {
        return be16(b, p) << 16 | be16(b, p + 2);
    }

    private static long be64(byte[] b, int p) {
        return ((long) be32(b, p) << 32) | (be32(b, p + 4) & 0xffffffffL);
    }

    /** Copies a fixed-size payload into {@code into} (whose length is the expected size) and returns it. */
    private static byte[] bytes(byte[] seg, int p, int l, byte[] into, String path, String leaf) {
        fixed(l, into.length, path, leaf);
        System.arraycopy(seg, p, into, 0, into.length);
        return into;
    }

    /** The flags byte of a TCP {flags, mask} pair (struct nf_ct_tcp_flags). */
    private static int flagPair(byte[] seg, int p, int l, String path, String leaf) {
        fixed(l, 2, path, leaf);
        return seg[p] & 0xff;
    }

    /** A NUL-terminated name; the last one again when the bytes are the same (no string per event). */
    private String string(byte[] seg, int p, int l) {
        int n = 0;
        while (n < l && seg[p + n] != 0) {
            n++;
        }
        byte[] last = lastHelperBytes;
        if (lastHelper != null && Arrays.equals(seg, p, p + n, last, 0, last.length)) {
            return lastHelper;
        }
        lastHelperBytes = Arrays.copyOfRange(seg, p, p + n);
        lastHelper = new String(lastHelperBytes, StandardCharsets.UTF_8);
        return lastHelper;
    }
}
