package org.hftfw.conntrack.netlink;

/**
 * ctnetlink expectation messages and attributes (NFNL_SUBSYS_CTNETLINK_EXP; enum cntl_exp_msg_types and enum
 * ctattr_expect of include/uapi/linux/netfilter/nfnetlink_conntrack.h). Tuples nest like conntrack tuples
 * ({@link Cta#TUPLE_IP}, {@link Cta#TUPLE_PROTO}); timeout, flags, class and NAT direction are big-endian u32,
 * the helper and function names NUL-terminated strings.
 */
final class Cte {
    private Cte() {}

    static final int NFNL_SUBSYS_CTNETLINK_EXP = 2;

    // enum cntl_exp_msg_types
    static final int IPCTNL_MSG_EXP_NEW = 0;
    static final int IPCTNL_MSG_EXP_GET = 1;
    static final int IPCTNL_MSG_EXP_DELETE = 2;

    // enum ctattr_expect
    static final int MASTER = 1;
    static final int TUPLE = 2;
    static final int MASK = 3;
    static final int TIMEOUT = 4;
    static final int ID = 5;
    static final int HELP_NAME = 6;
    static final int ZONE = 7;
    static final int FLAGS = 8;
    static final int CLASS = 9;
    static final int NAT = 10;
    static final int FN = 11;

    // enum ctattr_expect_nat
    static final int NAT_DIR = 1;
    static final int NAT_TUPLE = 2;

    /** enum nfnetlink_groups: NFNLGRP_CONNTRACK_EXP_NEW, _UPDATE, _DESTROY. */
    static final int NFNLGRP_EXP_NEW = 4;
    static final int NFNLGRP_EXP_UPDATE = 5;
    static final int NFNLGRP_EXP_DESTROY = 6;

    static int msgType(int expMsg) {
        return (NFNL_SUBSYS_CTNETLINK_EXP << 8) | expMsg;
    }
}
