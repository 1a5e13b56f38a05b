package org.hftfw.conntrack;

import java.util.Objects;

/**
 * One conntrack expectation: a connection a helper (FTP, SIP, ...) told the kernel to expect, related to the
 * {@code master} connection it was seen in (ctnetlink's CTA_EXPECT_*, include/uapi/linux/netfilter/
 * nfnetlink_conntrack.h; libnetfilter_conntrack's {@code nf_expect}). A packet matching {@code expected} under
 * {@code mask} becomes a RELATED connection of the master.
 *
 * @param master   original tuple of the master conntrack (CTA_EXPECT_MASTER); it must exist for the kernel to take
 *                 the expectation, with a helper assigned
 * @param expected the expected tuple (CTA_EXPECT_TUPLE)
 * @param mask     its mask (CTA_EXPECT_MASK): source address and port bits that must match; the kernel reports the
 *                 destination half as all ones
 * @param timeout  seconds left (CTA_EXPECT_TIMEOUT), -1 unknown
 * @param flags    NF_CT_EXPECT_* bits (CTA_EXPECT_FLAGS): 1 PERMANENT, 2 INACTIVE, 4 USERSPACE
 * @param expClass the helper's expectation class (CTA_EXPECT_CLASS), -1 unset
 * @param helper   the master's helper name (CTA_EXPECT_HELP_NAME), or null
 * @param fn       the expectation function name (CTA_EXPECT_FN, e.g. "nat-follow-master"), or null
 * @param nat      the NAT part (CTA_EXPECT_NAT), or null
 */
public record Expectation(Tuple master, Tuple expected, Tuple mask, long timeout, long flags, long expClass,
                          String helper, String fn, Nat nat) {

    /** NF_CT_EXPECT_USERSPACE: the kernel clears it on create. */
    public static final long FLAG_USERSPACE = 4;

    public Expectation {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(mask, "mask");
        if (master.isIpv4() != expected.isIpv4() || mask.isIpv4() != expected.isIpv4()) {
            throw new IllegalArgumentException("master, expected and mask tuples of different address families");
        }
        if (timeout < -1 || timeout > 0xffffffffL || flags < 0 || flags > 0xffffffffL || expClass < -1
                || expClass > 0xffffffffL) {
            throw new IllegalArgumentException("timeout, flags or class out of the u32 range");
        }
        if (nat != null && nat.tuple().isIpv4() != expected.isIpv4()) {
            throw new IllegalArgumentException("NAT tuple of another address family");
        }
    }

    /**
     * CTA_EXPECT_NAT: where the expected connection is NATed to.
     *
     * @param dir   CTA_EXPECT_NAT_DIR (0 original, 1 reply)
     * @param tuple CTA_EXPECT_NAT_TUPLE (source address and port are what the kernel uses)
     */
    public record Nat(long dir, Tuple tuple) {
        public Nat {
            Objects.requireNonNull(tuple, "tuple");
        }
    }

    /** What identifies an expectation in a cache: its master and the tuple it expects. */
    public record Id(Tuple master, Tuple expected) {}

    public Id id() {
        return new Id(master, expected);
    }

    /** The same expectation with another timeout. */
    public Expectation withTimeout(long seconds) {
        return new Expectation(master, expected, mask, seconds, flags, expClass, helper, fn, nat);
    }

    @Override
    public String toString() {
        return "expect " + expected + " master " + master + (helper != null ? " helper=" + helper : "")
                + (timeout >= 0 ? " timeout=" + timeout : "");
    }
}
