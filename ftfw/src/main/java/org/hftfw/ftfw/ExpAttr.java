package org.hftfw.ftfw;

/**
 * Expectation TLVs of an FT-FW expectation message ({@code enum nta_exp_attr}, conntrackd include/network.h; parser
 * table {@code exp_h} in src/parse.c). Same TLV rules as {@link Attr}: a fixed attribute must have exactly
 * {@code 4 + size}, a variable one (the two names) at most {@link #maxNtaLen}; an id at or above {@link #COUNT}
 * makes conntrackd reject the whole message. The address groups are {@code nfct_attr_grp_ipv4/ipv6} (source then
 * destination, network order), the port group {@code nfct_attr_grp_port} (source then destination, big-endian).
 */
enum ExpAttr {
    MASTER_IPV4(8), MASTER_IPV6(32), MASTER_L4PROTO(1), MASTER_PORT(4),
    EXPECT_IPV4(8), EXPECT_IPV6(32), EXPECT_L4PROTO(1), EXPECT_PORT(4),
    MASK_IPV4(8), MASK_IPV6(32), MASK_L4PROTO(1), MASK_PORT(4),
    TIMEOUT(4), FLAGS(4), CLASS(4),
    NAT_IPV4(8), NAT_PORT(4), NAT_L4PROTO(1), NAT_DIR(4),
    /** NUL-terminated; nta_len at most 16 ({@code NFCT_HELPER_NAME_MAX}), so 11 characters. */
    HELPER_NAME(-1, 16),
    /** NUL-terminated; nta_len at most 32, so 27 characters. */
    FN(-1, 32);

    /** {@code NTA_EXP_MAX}. */
    static final int COUNT = 21;
    private static final ExpAttr[] BY_ID = values();

    final int size;
    final int maxNtaLen;

    ExpAttr(int size) {
        this(size, Attr.HEADER + size);
    }

    ExpAttr(int size, int maxNtaLen) {
        this.size = size;
        this.maxNtaLen = maxNtaLen;
    }

    // the declaration order is the NTA_EXP_* numbering, so the ordinal is the wire id
    @SuppressWarnings("EnumOrdinal")
    int id() {
        return ordinal();
    }

    boolean fixed() {
        return size >= 0;
    }

    static ExpAttr of(int id) {
        return BY_ID[id];
    }
}
