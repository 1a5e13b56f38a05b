package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.Tuple;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Builds and reads ctnetlink expectation messages as libnetfilter_conntrack's expect/build_mnl.c and
 * expect/parse_mnl.c do, and as net/netfilter/nf_conntrack_netlink.c ({@code ctnetlink_exp_dump_expect},
 * {@code ctnetlink_create_expect}) writes and reads them: MASTER, TUPLE and MASK nests (mandatory both ways), then
 * TIMEOUT, FLAGS, HELP_NAME, CLASS, NAT {DIR, TUPLE} and FN. The kernel fills a dumped mask's destination half with
 * ones; on create it reads only the source half. Unknown attributes are skipped (netlink's forward-compatibility
 * rule); a damaged message throws {@link MalformedException}. Not thread-safe (one decoder per reader).
 */
final class ExpCodec {
    /** An upper bound on one encoded expectation request (three IPv6 tuples, a NAT tuple, two names). */
    static final int MAX_MESSAGE_BYTES = 640;

    private final CtDecoder tuples;

    ExpCodec(CtDecoder tuples) {
        this.tuples = tuples;
    }

    static void create(NlWriter w, Expectation e, int seq) {
        int m = w.beginMessage(Cte.msgType(Cte.IPCTNL_MSG_EXP_NEW),
                Nl.NLM_F_REQUEST | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL | Nl.NLM_F_ACK, seq, e.expected().family(),
                Nl.NFNETLINK_V0);
        CtEncoder.tuple(w, Cte.MASTER, e.master());
        CtEncoder.tuple(w, Cte.TUPLE, e.expected());
        CtEncoder.tuple(w, Cte.MASK, e.mask());
        if (e.timeout() >= 0) {
            w.putBe32(Cte.TIMEOUT, e.timeout());
        }
        w.putBe32(Cte.FLAGS, e.flags() & ~Expectation.FLAG_USERSPACE);
        if (e.helper() != null && !e.helper().isEmpty()) {
            w.putString(Cte.HELP_NAME, e.helper());
        }
        if (e.expClass() >= 0) {
            w.putBe32(Cte.CLASS, e.expClass());
        }
        if (e.nat() != null) {
            int n = w.beginNested(Cte.NAT);
            w.putBe32(Cte.NAT_DIR, e.nat().dir());
            CtEncoder.tuple(w, Cte.NAT_TUPLE, e.nat().tuple());
            w.endNested(n);
        }
        if (e.fn() != null && !e.fn().isEmpty()) {
            w.putString(Cte.FN, e.fn());
        }
        w.endMessage(m);
    }

    /** Deletes by the expected tuple (ctnetlink_del_expect looks the expectation up by CTA_EXPECT_TUPLE). */
    static void delete(NlWriter w, Tuple expected, int seq) {
        int m = w.beginMessage(Cte.msgType(Cte.IPCTNL_MSG_EXP_DELETE), Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq,
                expected.family(), Nl.NFNETLINK_V0);
        CtEncoder.tuple(w, Cte.TUPLE, expected);
        w.endMessage(m);
    }

    static void dump(NlWriter w, int seq) {
        int m = w.beginMessage(Cte.msgType(Cte.IPCTNL_MSG_EXP_GET), Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq,
                Nl.AF_UNSPEC, Nl.NFNETLINK_V0);
        w.endMessage(m);
    }

    /** Decodes one IPCTNL_MSG_EXP_NEW or _DELETE message at {@code off} of {@code len} bytes. */
    Expectation decode(MemorySegment seg, int off, int len) {
        if (len < Nl.NLMSG_HDRLEN + Nl.NFGENMSG_LEN) {
            throw new MalformedException("expectation message of " + len + " bytes has no room for nfgenmsg");
        }
        Tuple master = null;
        Tuple expected = null;
        Tuple mask = null;
        long timeout = -1;
        long flags = 0;
        long expClass = -1;
        String helper = null;
        String fn = null;
        Expectation.Nat nat = null;
        int end = off + len;
        for (int pos = off + Nl.NLMSG_HDRLEN + Nl.NFGENMSG_LEN; pos < end; ) {
            int alen = attrLen(seg, pos, end, "CTA_EXPECT");
            int type = seg.get(NlWriter.H16, pos + 2) & Nl.NLA_TYPE_MASK;
            int p = pos + Nl.NLA_HDRLEN;
            int l = alen - Nl.NLA_HDRLEN;
            switch (type) {
                case Cte.MASTER -> master = tuples.tuple(seg, p, l, "CTA_EXPECT_MASTER");
                case Cte.TUPLE -> expected = tuples.tuple(seg, p, l, "CTA_EXPECT_TUPLE");
                case Cte.MASK -> mask = tuples.tuple(seg, p, l, "CTA_EXPECT_MASK");
                case Cte.TIMEOUT -> timeout = be32(seg, p, l, "CTA_EXPECT_TIMEOUT");
                case Cte.FLAGS -> flags = be32(seg, p, l, "CTA_EXPECT_FLAGS");
                case Cte.CLASS -> expClass = be32(seg, p, l, "CTA_EXPECT_CLASS");
                case Cte.HELP_NAME -> helper = string(seg, p, l);
                case Cte.FN -> fn = string(seg, p, l);
                case Cte.NAT -> nat = nat(seg, p, l);
                default -> { }                          // ID, ZONE and newer attributes: not replicated
            }
            pos = Math.min(end, pos + Nl.align(alen));
        }
        if (master == null || expected == null || mask == null) {
            throw new MalformedException("expectation message without CTA_EXPECT_MASTER, _TUPLE or _MASK");
        }
        if (master.isIpv4() != expected.isIpv4() || mask.isIpv4() != expected.isIpv4()
                || (nat != null && nat.tuple().isIpv4() != expected.isIpv4())) {
            throw new MalformedException("expectation tuples of different address families");
        }
        return new Expectation(master, expected, mask, timeout, flags, expClass, helper, fn, nat);
    }

    private Expectation.Nat nat(MemorySegment seg, int p, int l) {
        long dir = 0;
        Tuple t = null;
        int end = p + l;
        for (int pos = p; pos < end; ) {
            int alen = attrLen(seg, pos, end, "CTA_EXPECT_NAT");
            int type = seg.get(NlWriter.H16, pos + 2) & Nl.NLA_TYPE_MASK;
            switch (type) {
                case Cte.NAT_DIR -> dir = be32(seg, pos + Nl.NLA_HDRLEN, alen - Nl.NLA_HDRLEN, "CTA_EXPECT_NAT_DIR");
                case Cte.NAT_TUPLE -> t = tuples.tuple(seg, pos + Nl.NLA_HDRLEN, alen - Nl.NLA_HDRLEN,
                        "CTA_EXPECT_NAT_TUPLE");
                default -> { }
            }
            pos = Math.min(end, pos + Nl.align(alen));
        }
        if (t == null) {
            throw new MalformedException("CTA_EXPECT_NAT without CTA_EXPECT_NAT_TUPLE");
        }
        return new Expectation.Nat(dir, t);
    }

    private static int attrLen(MemorySegment seg, int pos, int end, String path) {
        if (end - pos < Nl.NLA_HDRLEN) {
            throw new MalformedException(path + ": truncated attribute header");
        }
        int len = seg.get(NlWriter.H16, pos) & 0xffff;
        if (len < Nl.NLA_HDRLEN || len > end - pos) {
            throw new MalformedException(path + ": attribute with nla_len " + len + ", " + (end - pos) + " bytes left");
        }
        return len;
    }

    private static long be32(MemorySegment seg, int p, int l, String path) {
        if (l != 4) {
            throw new MalformedException(path + ": payload of " + l + " bytes, expected 4");
        }
        return seg.get(NlWriter.BE32, p) & 0xffffffffL;
    }

    private static String string(MemorySegment seg, int p, int l) {
        int n = 0;
        while (n < l && seg.get(ValueLayout.JAVA_BYTE, p + n) != 0) {
            n++;
        }
        return n == 0 ? null : new String(seg.asSlice(p, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
