package org.hftfw.sync;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.ftfw.DropReason;
import org.hftfw.ftfw.ExternalCache;
import org.hftfw.ftfw.FtfwStats;
import org.hftfw.ftfw.ResendEntry;
import org.hftfw.ftfw.SyncTransport;

/**
 * The text of {@code conntrackd -s} and its variants, laid out as conntrackd lays them out (conntrack-tools
 * src/cache.c {@code cache_stats}, {@code cache_stats_extended}; src/udp.c {@code udp_snprintf_stats}; src/run.c
 * {@code dump_stats_runtime}; src/sync-mode.c {@code dump_stats_sync}, {@code dump_stats_sync_extended};
 * src/queue.c {@code queue_stats_show}), filled with hFT-FW's counters. Where hFT-FW keeps no such counter the line
 * says what it shows instead rather than printing a made-up zero: the internal cache is the set of flows the backup
 * holds (hFT-FW keeps no copy of the kernel table), and there is no "traffic processed" section (conntrackd sums the
 * counters of destroyed flows; hFT-FW does not read them). {@code -s} ends with hFT-FW's own report.
 */
final class ConntrackdStats {
    private ConntrackdStats() {}

    /** Things the node does not know: the process's event buffer, the control socket's counters, the device. */
    record ProcessFacts(int eventBufferBytes, String device, long kernelFlushes, long kernelResyncs,
                        long localReadFailed, long localUnknownRequests, String ownReport) {}

    /** {@code -s}: both caches, the link, message tracking, then hFT-FW's report. */
    static String general(SyncNode node, ProcessFacts p) {
        return internalCache(node) + externalCache(node) + link(node, p.device()) + messageTracking(node)
                + "hFT-FW:\n" + p.ownReport();
    }

    static String internalCache(SyncNode node) {
        Publisher.Stats s = node.publisher().stats();
        return String.format(Locale.ROOT, "cache internal:%n"
                + "current active connections:\t%12d%n"
                + "events published:\t\t%12d\tfiltered:\t%12d%n"
                + "destroys forced:\t\t%12d\tresyncs:\t%12d%n%n",
                s.backupHolds(), s.published(), s.filtered(), s.destroysForced(), s.resyncs());
    }

    static String externalCache(SyncNode node) {
        ExternalCache.Stats c = node.channel().externalCache().stats();
        return String.format(Locale.ROOT, "cache external:%n"
                + "current active connections:\t%12d%n"
                + "connections created:\t\t%12d\tfailed:\t%12d%n"
                + "connections updated:\t\t%12d\tfailed:\t%12d%n"
                + "connections destroyed:\t\t%12d\tfailed:\t%12d%n%n",
                c.size(), c.news(), c.overflows(), c.updates(), 0, c.deletes() - c.deletesUnknown(),
                c.deletesUnknown());
    }

    /**
     * {@code UDP traffic (active device=…)}, {@code multicast traffic …} or {@code TCP traffic …} by the transport (as
     * conntrack-tools src/udp.c, mcast.c, tcp.c print it; the TCP heading with its two connections' states, {@code
     * server=connected|disconnected client=…}, as tcp_snprintf_stats does); hFT-FW counts no send or receive errors,
     * so that line is left out.
     */
    static String link(SyncNode node, String device) {
        FtfwStats f = node.channel().stats();
        String kind = switch (node.settings().link().transport()) {
            case SyncTransport.Udp _ -> "UDP";
            case SyncTransport.Multicast _ -> "multicast";
            case SyncTransport.Tcp _ -> "TCP";
        };
        String connections = node.channel().tcpConnections().map(c -> " " + c.describe()).orElse("");
        return String.format(Locale.ROOT, "%s traffic (active device=%s)%s:%n"
                + "%20d Bytes sent %20d Bytes recv%n"
                + "%20d Pckts sent %20d Pckts recv%n%n",
                kind, device, connections, f.bytesTx(), f.bytesRx(), f.datagramsTx(), f.datagramsRx());
    }

    static String messageTracking(SyncNode node) {
        FtfwStats f = node.channel().stats();
        return String.format(Locale.ROOT, "message tracking:%n%20d Malformed msgs %20d Lost msgs%n%n",
                f.malformedTotal(), f.lost());
    }

    /** {@code -s network}: hFT-FW's drop reasons under conntrackd's headings, then the link. */
    static String network(SyncNode node, String device) {
        FtfwStats f = node.channel().stats();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "network statistics:%n\trecv:%n"
                + "\t\tMalformed messages:\t%20d%n", f.malformedTotal()));
        for (DropReason r : DropReason.values()) {
            sb.append(String.format(Locale.ROOT, "\t\t%s:\t%20d%n", r.name().toLowerCase(Locale.ROOT)
                    .replace('_', ' '), f.dropped(r)));
        }
        sb.append(String.format(Locale.ROOT, "%nsequence tracking statistics:%n\trecv:%n"
                + "\t\tPackets lost:\t\t%20d%n\t\tPackets before:\t\t%20d%n%n", f.lost(), f.before()));
        return sb + link(node, device);
    }

    /** {@code -s cache}: conntrackd's extended cache layout where hFT-FW has the figure. */
    static String cache(SyncNode node) {
        ExternalCache.Stats c = node.channel().externalCache().stats();
        Publisher.Stats s = node.publisher().stats();
        return String.format(Locale.ROOT, "cache:internal\tactive objects:\t\t%12d%n"
                + "\tbulk sends:\t\t\t%12d%n%n"
                + "cache:external\tactive objects:\t\t%12d%n"
                + "\tcreation OK/failed:\t\t%12d/%12d%n"
                + "\t\tno space left in cache:\t%12d%n"
                + "\tupdate OK/failed:\t\t%12d/%12d%n"
                + "\tdeletion created/failed:\t%12d/%12d%n"
                + "\t\tentry not found:\t%12d%n%n",
                s.backupHolds(), s.bulkSnapshots(), c.size(), c.news(), c.overflows(), c.overflows(), c.updates(),
                0, c.deletes() - c.deletesUnknown(), c.deletesUnknown(), c.deletesUnknown());
    }

    /**
     * {@code -s expect}: conntrackd's two expectation caches in its {@code -s cache} layout. The internal one is the
     * kernel's accepted expectations ({@code local}; hFT-FW reads them when it sends), the external one the peer's.
     */
    static String expectationCaches(int local, org.hftfw.ftfw.ExpectationCache external) {
        org.hftfw.ftfw.ExpectationCache.Stats c = external.stats();
        return String.format(Locale.ROOT, "cache:internal\tactive objects:\t\t%12d%n%n"
                + "cache:external\tactive objects:\t\t%12d%n"
                + "\tcreation OK/failed:\t\t%12d/%12d%n"
                + "\tupdate OK/failed:\t\t%12d/%12d%n"
                + "\tdeletion created/failed:\t%12d/%12d%n%n",
                local, c.size(), c.news(), 0, c.updates(), 0, c.deletes(), 0);
    }

    /** {@code -s runtime}: uptime, the event socket, the control socket. */
    static String runtime(SyncNode node, ProcessFacts p) {
        ConntrackTable.SourceStats ev = node.table().stats();
        Publisher.Stats s = node.publisher().stats();
        return String.format(Locale.ROOT, "daemon uptime: %s%n%n"
                + "netlink stats:%n"
                + "\tevents received:\t%20d%n"
                + "\tevents filtered:\t%20d%n"
                + "\tcatch event failed:\t\t%12d%n"
                + "\tnetlink overrun:\t\t%12d%n"
                + "\tflush kernel table:\t\t%12d%n"
                + "\tresync with kernel table:\t%12d%n"
                + "\tcurrent buffer size (in bytes):\t%12d%n%n"
                + "runtime stats:%n"
                + "\tlocal read failed:\t\t%12d%n"
                + "\tlocal unknown request:\t\t%12d%n%n",
                uptime(node.uptime()), ev.events(), s.filtered(), ev.malformed() + ev.errors(), ev.overruns(),
                p.kernelFlushes(), ev.resyncs() + p.kernelResyncs(), p.eventBufferBytes(), p.localReadFailed(), p.localUnknownRequests());
    }

    /**
     * {@code -s rsqueue}: the resend queue's length, then each message in it, oldest first, as conntrackd's {@code
     * ftfw_local_queue} and {@code rs_queue_dump} print them: {@code object -> seq:N} for a flow's or an
     * expectation's state, {@code control -> seq:N flags:F} for an ACK, NACK or RESYNC; the length and the lines come
     * from one snapshot.
     */
    static String resendQueue(List<ResendEntry> queue) {
        StringBuilder sb = new StringBuilder(32 + 24 * queue.size());
        sb.append("resent queue (len=").append(queue.size()).append(")\n");
        for (ResendEntry e : queue) {
            switch (e) {
                case ResendEntry.Control c -> sb.append("control -> seq:").append(Integer.toUnsignedString(c.seq()))
                        .append(" flags:").append(c.flags()).append('\n');
                case ResendEntry.CacheObject o -> sb.append("object -> seq:")
                        .append(Integer.toUnsignedString(o.seq())).append('\n');
            }
        }
        return sb.toString();
    }

    /** {@code -s queue}: the transmit and resend queues with their bounds and overflows. */
    static String queues(SyncNode node) {
        FtfwStats f = node.channel().stats();
        return String.format(Locale.ROOT, "queue txqueue:%n"
                + "current elements:\t\t%12d%n"
                + "maximum elements:\t\t%12d%n"
                + "not enough space errors:\t%12d%n%n"
                + "queue rsqueue:%n"
                + "current elements:\t\t%12d%n"
                + "maximum elements:\t\t%12d%n"
                + "not enough space errors:\t%12d%n%n",
                f.txQueueLen(), node.settings().link().txQueueSize(), f.txQueueOverflow(), f.rsQueueLen(),
                node.settings().link().resendQueueSize(), f.rsQueueOverflow());
    }

    /** conntrackd's {@code uptime()}: "[D day[s] ]H h M min" or "M min". */
    static String uptime(Duration up) {
        long t = up.toSeconds();
        long days = t / 86400;
        long minutes = t / 60;
        long hours = (minutes / 60) % 24;
        minutes %= 60;
        String d = days == 0 ? "" : days + " day" + (days != 1 ? "s" : "") + " ";
        return d + (hours != 0 ? hours + " h " + minutes + " min" : minutes + " min");
    }
}
