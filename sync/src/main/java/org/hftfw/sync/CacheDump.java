package org.hftfw.sync;

import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackText;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * The lines of {@code conntrackd -i} and {@code -e} (and their {@code -x} XML form), as conntrackd writes its caches
 * (conntrack-tools src/cache-ct.c {@code cache_ct_dump_step}): libnetfilter_conntrack's plain or XML print of the
 * cached object with its timeout unset, then {@code " [active since Ns]"} in plain form. A cached object carries what
 * the cache got, not what the kernel would print: no timeout, no counters, no use count; an external flow has no
 * reply tuple unless NAT changed it (the peer does not send an un-NATed one), and its XML reply is "unknown".
 *
 * @param entry the cached flow
 * @param ageSeconds seconds the cache has held it, or -1 when the cache does not know (hFT-FW's internal cache
 *                   remembers what the backup holds, not since when): the suffix is then left out
 */
record CacheDump(ConntrackEntry entry, long ageSeconds) {

    /** Which cache: the internal one prints the reply tuple, the external one only when NAT changed it. */
    enum Cache { INTERNAL, EXTERNAL }

    static String plain(List<CacheDump> flows, Cache cache) {
        StringBuilder sb = new StringBuilder(flows.size() * 160);
        for (CacheDump f : flows) {
            ConntrackEntry e = stripped(f.entry);
            sb.append(cache == Cache.EXTERNAL ? ConntrackText.entry(e, 0, ConntrackText.Option.WITHOUT_REPLY)
                    : ConntrackText.entry(e, 0));
            if (f.ageSeconds >= 0) {
                sb.append(" [active since ").append(f.ageSeconds).append("s]");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** libnetfilter_conntrack's XML print (src/conntrack/snprintf_xml.c), one {@code <flow>} per line. */
    static String xml(List<CacheDump> flows, Cache cache) {
        StringBuilder sb = new StringBuilder(flows.size() * 600);
        for (CacheDump f : flows) {
            ConntrackEntry e = f.entry;
            sb.append("<flow>");
            meta(sb, "original", e.original());
            if (cache == Cache.INTERNAL || e.isNatted()) {
                meta(sb, "reply", e.reply());
            } else {
                sb.append("<meta direction=\"reply\"><layer3 protonum=\"0\" protoname=\"unknown\"><src></src><dst>"
                        + "</dst></layer3><layer4 protonum=\"0\" protoname=\"unknown\"></layer4></meta>");
            }
            sb.append("<meta direction=\"independent\">");
            String state = stateName(e);
            if (state != null) {
                sb.append("<state>").append(state).append("</state>");
            }
            sb.append("<mark>").append(e.mark()).append("</mark>");
            if (e.zone() != 0) {
                sb.append("<zone>").append(e.zone()).append("</zone>");
            }
            if (cache == Cache.INTERNAL && e.id() != 0) {
                sb.append("<id>").append(e.id()).append("</id>");
            }
            if (e.hasStatus(Status.ASSURED)) {
                sb.append("<assured/>");
            }
            if (!e.hasStatus(Status.SEEN_REPLY)) {
                sb.append("<unreplied/>");
            }
            sb.append("</meta></flow>\n");
        }
        return sb.toString();
    }

    private static ConntrackEntry stripped(ConntrackEntry e) {
        return e.toBuilder().timeout(-1).use(0).id(0).counters(null, null).timestamps(0, 0).build();
    }

    private static void meta(StringBuilder sb, String direction, Tuple t) {
        sb.append("<meta direction=\"").append(direction).append("\"><layer3 protonum=\"").append(t.family())
                .append("\" protoname=\"").append(t.isIpv4() ? "ipv4" : "ipv6").append("\"><src>")
                .append(ConntrackText.address(t.src())).append("</src><dst>").append(ConntrackText.address(t.dst()))
                .append("</dst></layer3><layer4 protonum=\"").append(t.l4proto()).append("\" protoname=\"")
                .append(IpProto.name(t.l4proto())).append("\">");
        if (IpProto.hasPorts(t.l4proto())) {
            sb.append("<sport>").append(t.sport()).append("</sport><dport>").append(t.dport()).append("</dport>");
        }
        sb.append("</layer4></meta>");
    }

    /** The state word of the plain print (the text between the protocol number and {@code src=}), if any. */
    private static String stateName(ConntrackEntry e) {
        String line = ConntrackText.entry(stripped(e), 0);
        int src = line.indexOf(" src=");
        String[] head = line.substring(0, src).trim().split("\\s+", -1);
        return head.length > 2 ? head[2] : null;
    }
}
