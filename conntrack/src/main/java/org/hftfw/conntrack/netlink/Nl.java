package org.hftfw.conntrack.netlink;

/**
 * Netlink and nfnetlink wire constants (include/uapi/linux/netlink.h, include/uapi/linux/netfilter/nfnetlink.h).
 * The netlink message header and the attribute headers are in host byte order; ctnetlink attribute payloads
 * are mostly big-endian (see {@link Cta}).
 */
final class Nl {
    private Nl() {}

    /** sizeof(struct nlmsghdr): u32 len, u16 type, u16 flags, u32 seq, u32 pid. */
    static final int NLMSG_HDRLEN = 16;
    /** sizeof(struct nfgenmsg): u8 family, u8 version, be16 res_id. */
    static final int NFGENMSG_LEN = 4;
    /** sizeof(struct nlattr): u16 len, u16 type. */
    static final int NLA_HDRLEN = 4;

    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLMSG_OVERRUN = 4;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x100 | 0x200;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;

    static final int NLA_F_NESTED = 0x8000;
    static final int NLA_F_NET_BYTEORDER = 0x4000;
    static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    static final int NFNETLINK_V0 = 0;
    static final int NFNL_SUBSYS_CTNETLINK = 1;

    /** Multicast groups (enum nfnetlink_groups); bound as the bitmask 1 << (group - 1). */
    static final int NFNLGRP_CONNTRACK_NEW = 1;
    static final int NFNLGRP_CONNTRACK_UPDATE = 2;
    static final int NFNLGRP_CONNTRACK_DESTROY = 3;

    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    static int align(int len) {
        return (len + 3) & ~3;
    }

    static int groupMask(int group) {
        return 1 << (group - 1);
    }
}
