package org.hftfw.sync;

import java.util.List;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.Tuple;

/**
 * Expectations as {@code conntrack -L expect} prints them (libnetfilter_conntrack's {@code nfexp_snprintf} plain
 * format): timeout, protocol, the expected tuple, its mask, the master tuple, then flags and helper. One per line.
 */
final class ExpectationText {
    private ExpectationText() {}

    static String lines(List<Expectation> all) {
        StringBuilder sb = new StringBuilder();
        for (Expectation e : all) {
            sb.append(line(e)).append('\n');
        }
        return sb.toString();
    }

    static String line(Expectation e) {
        StringBuilder sb = new StringBuilder();
        if (e.timeout() >= 0) {
            sb.append(e.timeout()).append(' ');
        }
        sb.append("proto=").append(e.expected().l4proto()).append(' ');
        tuple(sb, "", e.expected());
        tuple(sb, "mask-", e.mask());
        tuple(sb, "master-", e.master());
        if ((e.flags() & 1) != 0) {
            sb.append("PERMANENT ");
        }
        if ((e.flags() & 2) != 0) {
            sb.append("INACTIVE ");
        }
        if (e.helper() != null) {
            sb.append("helper=").append(e.helper());
        }
        return sb.toString().stripTrailing();
    }

    private static void tuple(StringBuilder sb, String prefix, Tuple t) {
        sb.append(prefix).append("src=").append(t.src().getHostAddress()).append(' ')
                .append(prefix).append("dst=").append(t.dst().getHostAddress()).append(' ')
                .append("sport=").append(t.sport()).append(' ').append("dport=").append(t.dport()).append(' ');
    }
}
