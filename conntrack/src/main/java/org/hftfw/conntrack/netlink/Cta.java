package org.hftfw.conntrack.netlink;

/**
 * ctnetlink message types and attributes, from include/uapi/linux/netfilter/nfnetlink_conntrack.h. Payload
 * encodings are those of net/netfilter/nf_conntrack_netlink.c: u32 values (status, timeout, mark, id, use) are
 * big-endian 32-bit; ports, ICMP ids and zones big-endian 16-bit; counters and timestamps big-endian 64-bit;
 * protocol numbers, ICMP type/code and TCP state/wscale single bytes; TCP flags a {flags, mask} byte pair.
 */
final class Cta {
    private Cta() {}

    // enum cntl_msg_types
    static final int IPCTNL_MSG_CT_NEW = 0;
    static final int IPCTNL_MSG_CT_GET = 1;
    static final int IPCTNL_MSG_CT_DELETE = 2;
    static final int IPCTNL_MSG_CT_GET_STATS = 5;

    // enum ctattr_type
    static final int TUPLE_ORIG = 1;
    static final int TUPLE_REPLY = 2;
    static final int STATUS = 3;
    static final int PROTOINFO = 4;
    static final int HELP = 5;
    static final int NAT_SRC = 6;
    static final int TIMEOUT = 7;
    static final int MARK = 8;
    static final int COUNTERS_ORIG = 9;
    static final int COUNTERS_REPLY = 10;
    static final int USE = 11;
    static final int ID = 12;
    static final int NAT_DST = 13;
    static final int TUPLE_MASTER = 14;
    static final int SEQ_ADJ_ORIG = 15;
    static final int SEQ_ADJ_REPLY = 16;
    static final int SECMARK = 17;
    static final int ZONE = 18;
    static final int SECCTX = 19;
    static final int TIMESTAMP = 20;
    static final int MARK_MASK = 21;
    static final int LABELS = 22;
    static final int LABELS_MASK = 23;
    static final int SYNPROXY = 24;
    static final int FILTER = 25;
    static final int STATUS_MASK = 26;
    static final int MAX = 26;

    // enum ctattr_tuple
    static final int TUPLE_IP = 1;
    static final int TUPLE_PROTO = 2;
    static final int TUPLE_ZONE = 3;

    // enum ctattr_ip
    static final int IP_V4_SRC = 1;
    static final int IP_V4_DST = 2;
    static final int IP_V6_SRC = 3;
    static final int IP_V6_DST = 4;

    // enum ctattr_l4proto
    static final int PROTO_NUM = 1;
    static final int PROTO_SRC_PORT = 2;
    static final int PROTO_DST_PORT = 3;
    static final int PROTO_ICMP_ID = 4;
    static final int PROTO_ICMP_TYPE = 5;
    static final int PROTO_ICMP_CODE = 6;
    static final int PROTO_ICMPV6_ID = 7;
    static final int PROTO_ICMPV6_TYPE = 8;
    static final int PROTO_ICMPV6_CODE = 9;

    // enum ctattr_protoinfo
    static final int PROTOINFO_TCP = 1;
    static final int PROTOINFO_DCCP = 2;
    static final int PROTOINFO_SCTP = 3;

    // enum ctattr_protoinfo_tcp
    static final int TCP_STATE = 1;
    static final int TCP_WSCALE_ORIGINAL = 2;
    static final int TCP_WSCALE_REPLY = 3;
    static final int TCP_FLAGS_ORIGINAL = 4;
    static final int TCP_FLAGS_REPLY = 5;

    // enum ctattr_protoinfo_dccp
    static final int DCCP_STATE = 1;
    static final int DCCP_ROLE = 2;
    static final int DCCP_HANDSHAKE_SEQ = 3;
    static final int DCCP_PAD = 4;

    // enum ctattr_protoinfo_sctp
    static final int SCTP_STATE = 1;
    static final int SCTP_VTAG_ORIGINAL = 2;
    static final int SCTP_VTAG_REPLY = 3;

    // enum ctattr_counters
    static final int COUNTERS_PACKETS = 1;
    static final int COUNTERS_BYTES = 2;
    static final int COUNTERS32_PACKETS = 3;
    static final int COUNTERS32_BYTES = 4;
    static final int COUNTERS_PAD = 5;

    // enum ctattr_tstamp
    static final int TIMESTAMP_START = 1;
    static final int TIMESTAMP_STOP = 2;
    static final int TIMESTAMP_PAD = 3;

    // enum ctattr_help
    static final int HELP_NAME = 1;
    static final int HELP_INFO = 2;

    /** TCP flag bits userspace may set on create/update (window scale, SACK, close-init, be-liberal). */
    static final int TCP_SETTABLE_FLAGS = 0x0f;

    static int msgType(int ctMsg) {
        return (Nl.NFNL_SUBSYS_CTNETLINK << 8) | ctMsg;
    }
}
