package org.hftfw.conntrack;

/**
 * Conntrack status bits ({@code enum ip_conntrack_status}, include/uapi/linux/netfilter/nf_conntrack_common.h),
 * as carried in CTA_STATUS and FT-FW's NTA_STATUS.
 */
public final class Status {
    public static final long EXPECTED = 1L;
    public static final long SEEN_REPLY = 1L << 1;
    public static final long ASSURED = 1L << 2;
    public static final long CONFIRMED = 1L << 3;
    public static final long SRC_NAT = 1L << 4;
    public static final long DST_NAT = 1L << 5;
    public static final long SEQ_ADJUST = 1L << 6;
    public static final long SRC_NAT_DONE = 1L << 7;
    public static final long DST_NAT_DONE = 1L << 8;
    public static final long DYING = 1L << 9;
    public static final long FIXED_TIMEOUT = 1L << 10;
    public static final long TEMPLATE = 1L << 11;
    public static final long UNTRACKED = 1L << 12;
    public static final long HELPER = 1L << 13;
    public static final long OFFLOAD = 1L << 14;
    public static final long HW_OFFLOAD = 1L << 15;

    /** Bits userspace may not set on create/update (the kernel rejects or ignores them). */
    public static final long KERNEL_ONLY = CONFIRMED | DYING | TEMPLATE | UNTRACKED | HELPER | OFFLOAD | HW_OFFLOAD;

    private Status() {}

    public static boolean has(long status, long bit) {
        return (status & bit) != 0;
    }
}
