package org.hftfw.ftfw;

/**
 * Conntrack attribute TLVs of an FT-FW data message ({@code enum nta_attr}, include/network.h; parser table in
 * src/parse.c). Each TLV is {@code u16 nta_len, u16 id, payload}, padded to 4 bytes; {@code nta_len} counts the
 * 4-byte header and the payload but not the padding. A fixed attribute must have exactly {@code 4 + size}; a
 * variable one ({@link #HELPER_NAME}, {@link #LABELS}) at most {@link #maxNtaLen}. Ids at or above {@link #COUNT}
 * make conntrackd 1.4.7-1.4.9 reject the whole message.
 */
enum Attr {
    IPV4(8), IPV6(32), L4PROTO(1), PORT(4), TCP_STATE(1), STATUS(4), TIMEOUT(4), MARK(4),
    MASTER_IPV4(8), MASTER_IPV6(32), MASTER_L4PROTO(1), MASTER_PORT(4),
    /** Raw network-order reply-direction destination address. */
    SNAT_IPV4(4),
    /** Raw network-order reply-direction source address. */
    DNAT_IPV4(4),
    /** Reply-direction destination port, little-endian on the wire (x86 double {@code htons}). */
    SPAT_PORT(2),
    /** Reply-direction source port, little-endian on the wire. */
    DPAT_PORT(2),
    NAT_SEQ_ADJ(24), SCTP_STATE(1), SCTP_VTAG_ORIG(4), SCTP_VTAG_REPL(4), DCCP_STATE(1), DCCP_ROLE(1),
    ICMP_TYPE(1), ICMP_CODE(1),
    /** ICMP id, little-endian on the wire (x86 double {@code htons}). */
    ICMP_ID(2),
    TCP_WSCALE_ORIG(1), TCP_WSCALE_REPL(1),
    /** NUL-terminated; {@code NFCT_HELPER_NAME_MAX} 16 is compared with nta_len, so 11 characters at most. */
    HELPER_NAME(-1, 16),
    /** u32 BE words, bit b of word w is label 32w+b; nta_len at most 4 + {@code NTA_LABELS_MAX_SIZE} (1024). */
    LABELS(-1, 4 + 1024),
    SNAT_IPV6(16), DNAT_IPV6(16), SYNPROXY(12), ZONE(2);

    /** {@code NTA_MAX}. */
    static final int COUNT = 33;
    static final int HEADER = 4;
    private static final Attr[] BY_ID = values();

    /** Payload size of a fixed attribute, -1 for a variable one. */
    final int size;
    /** Largest nta_len accepted for a variable attribute. */
    final int maxNtaLen;

    Attr(int size) {
        this(size, HEADER + size);
    }

    Attr(int size, int maxNtaLen) {
        this.size = size;
        this.maxNtaLen = maxNtaLen;
    }

    // the declaration order is the NTA_* numbering (conntrackd's network.h), so the ordinal is the wire id
    @SuppressWarnings("EnumOrdinal")
    int id() {
        return ordinal();
    }

    boolean fixed() {
        return size >= 0;
    }

    static Attr of(int id) {
        return BY_ID[id];
    }
}
