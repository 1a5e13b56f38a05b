package org.hftfw.sync;

import java.util.List;
import org.hftfw.conntrack.ConntrackText;
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

    /**
     * The same in libnetfilter_conntrack's XML ({@code nfexp_snprintf} with NFCT_O_XML, src/expect/snprintf_xml.c),
     * as {@code conntrackd -i expect -x} prints its caches: one {@code <flow>} per line.
     */
    static String xml(List<Expectation> all) {
        StringBuilder sb = new StringBuilder(all.size() * 700);
        for (Expectation e : all) {
            Tuple x = e.expected();
            sb.append("<flow><layer3 protonum=\"").append(x.family()).append("\" protoname=\"")
                    .append(x.isIpv4() ? "ipv4" : "ipv6").append("\">");
            addresses(sb, "expected", x);
            addresses(sb, "mask", e.mask());
            addresses(sb, "master", e.master());
            sb.append("</layer3><layer4 protonum=\"").append(x.l4proto()).append("\" protoname=\"")
                    .append(org.hftfw.conntrack.IpProto.name(x.l4proto())).append("\">");
            ports(sb, "expected", x);
            ports(sb, "mask", e.mask());
            ports(sb, "master", e.master());
            sb.append("</layer4><meta>");
            if (e.helper() != null) {
                sb.append("<helper-name>").append(e.helper()).append("</helper-name>");
            }
            if (e.timeout() >= 0) {
                sb.append("<timeout>").append(e.timeout()).append("</timeout>");
            }
            if (e.expClass() >= 0) {
                sb.append("<class>").append(e.expClass()).append("</class>");
            }
            if ((e.flags() & 1) != 0) {
                sb.append("<permanent/>");
            }
            if ((e.flags() & 2) != 0) {
                sb.append("<inactive/>");
            }
            if ((e.flags() & Expectation.FLAG_USERSPACE) != 0) {
                sb.append("<userspace/>");
            }
            sb.append("</meta></flow>\n");
        }
        return sb.toString();
    }

    private static void addresses(StringBuilder sb, String element, Tuple t) {
        sb.append('<').append(element).append("><src>").append(ConntrackText.address(t.src())).append("</src><dst>")
                .append(ConntrackText.address(t.dst())).append("</dst></").append(element).append('>');
    }

    private static void ports(StringBuilder sb, String element, Tuple t) {
        sb.append('<').append(element).append('>');
        if (org.hftfw.conntrack.IpProto.hasPorts(t.l4proto())) {
            sb.append("<sport>").append(t.sport()).append("</sport><dport>").append(t.dport()).append("</dport>");
        }
        sb.append("</").append(element).append('>');
    }

    private static void tuple(StringBuilder sb, String prefix, Tuple t) {
        sb.append(prefix).append("src=").append(t.src().getHostAddress()).append(' ')
                .append(prefix).append("dst=").append(t.dst().getHostAddress()).append(' ')
                .append("sport=").append(t.sport()).append(' ').append("dport=").append(t.dport()).append(' ');
    }
}
