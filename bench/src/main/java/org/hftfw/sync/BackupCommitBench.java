package org.hftfw.sync;

import static org.hftfw.bench.Figures.check;

import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.hftfw.bench.Figures;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.ftfw.PeerStateListener;

/**
 * What the always-committed backup costs ({@code hftfw sync backup-bench}): a primary channel replicates {@code n}
 * flows over FT-FW on loopback (NEW, then an UPDATE of each, then a DESTROY of each) to a backup channel whose
 * kernel table lives in a fresh namespace {@code hbc-*}. Three backups in the same run:
 * <ul>
 *   <li>baseline, external cache: the states only land in the cache (conntrackd's default; nothing in the kernel);</li>
 *   <li>hFT-FW always committed: {@link CommittedBackup}, one netlink batch per read pass, on its writer thread;</li>
 *   <li>conntrackd DisableExternalCache: one request per state, on the event loop (src/external_inject.c).</li>
 * </ul>
 * Per phase: the time until the backup's kernel has every state (for the baseline: the cache), the rate, the
 * process CPU per replicated message (the primary's share is the same in every row, so the difference to the
 * baseline is the backup's cost), and for hFT-FW the writer's CPU per message and the longest arrival-to-write lag.
 * Beside them, the kernel's own inject ceiling (the same writes batched, no FT-FW), and the takeover: the
 * timeout-only pass over {@code n} held flows beside the external cache's commit of {@code n} flows into an empty
 * table (what {@code on-takeover} must do before traffic passes).
 */
public final class BackupCommitBench {
    private static final long DEADLINE_NANOS = Duration.ofMinutes(2).toNanos();

    private BackupCommitBench() {}

    /** One phase's figures. */
    record Phase(String backup, String phase, int messages, long nanos, long processCpuNanos, long backupCpuNanos,
                 long maxLagNanos) {
        String line() {
            return String.format(Locale.ROOT, "%-34s %-7s %,9.0f states/s in the kernel  %6.2f µs CPU/msg (process)%s%s",
                    backup, phase, Figures.rate(messages, nanos), processCpuNanos / 1e3 / messages,
                    backupCpuNanos < 0 ? "" : String.format(Locale.ROOT, "  %5.2f µs backup CPU/msg",
                            backupCpuNanos / 1e3 / messages),
                    maxLagNanos < 0 ? "" : String.format(Locale.ROOT, "  max lag %.1f ms", maxLagNanos / 1e6));
        }
    }

    /** Measures and prints. */
    public static void run(int n) throws Exception {
        Figures.header("always-committed backup bench", String.format(Locale.ROOT,
                "%,d flows: NEW, UPDATE, DESTROY of each over FT-FW on loopback; the backup's table in a namespace", n));
        List<ConntrackEntry> flows = flows(n);
        List<String> lines = new ArrayList<>();
        try (NetnsLab lab = new NetnsLab("hbc", Duration.ofMinutes(2))) {
            NetnsLab.Netns ns = lab.netns("b");
            try (KernelConntrackTable table = ns.openConntrack();
                 KernelConntrackTable writer = ns.openConntrack()) {
                lines.add(kernelCeiling(writer, flows));
                for (String mode : new String[] {"baseline: external cache only", "hFT-FW always committed",
                        "conntrackd DisableExternalCache"}) {
                    table.flush();
                    for (Phase p : replicate(mode, writer, flows)) {
                        lines.add(p.line());
                    }
                }
                table.flush();
                lines.addAll(takeover(writer, flows));
                table.flush();
            }
        }
        lines.forEach(System.out::println);
    }

    private static List<ConntrackEntry> flows(int n) throws java.net.UnknownHostException {
        List<ConntrackEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tuple t = Tuple.ports(InetAddress.getByAddress(new byte[] {10, (byte) 246, (byte) (i >> 8), (byte) i}),
                    InetAddress.getByAddress(new byte[] {10, (byte) 247, 0, 1}), IpProto.TCP, 1024 + (i >> 16), 443);
            out.add(ConntrackEntry.builder(t).protoState(3).status(Status.SEEN_REPLY | Status.ASSURED)
                    .timeout(432_000).build());
        }
        return out;
    }

    /** The kernel's ceiling: the same creates, updates and deletes through writeAll, batched, no FT-FW. */
    private static String kernelCeiling(ConntrackTable t, List<ConntrackEntry> flows) {
        List<ConntrackTable.Write> creates = new ArrayList<>();
        List<ConntrackTable.Write> updates = new ArrayList<>();
        List<ConntrackTable.Write> deletes = new ArrayList<>();
        for (ConntrackEntry e : flows) {
            creates.add(new ConntrackTable.Write.Upsert(e, true));
            updates.add(new ConntrackTable.Write.Upsert(e.toBuilder().mark(7).build(), false));
            deletes.add(new ConntrackTable.Write.Delete(e.original(), 0));
        }
        long t0 = System.nanoTime();
        long cpu0 = processCpu();
        int failed = 0;
        for (List<ConntrackTable.Write> phase : List.of(creates, updates, deletes)) {
            for (int i = 0; i < phase.size(); i += 8192) {
                failed += t.writeAll(phase.subList(i, Math.min(phase.size(), i + 8192))).failed();
            }
        }
        long ns = System.nanoTime() - t0;
        check(failed == 0, failed + " writes failed in the kernel ceiling");
        return String.format(Locale.ROOT, "%-34s %-7s %,9.0f states/s in the kernel  %6.2f µs CPU/msg (process)",
                "kernel ceiling: writeAll, no FT-FW", "all", Figures.rate(3L * flows.size(), ns),
                (processCpu() - cpu0) / 1e3 / (3L * flows.size()));
    }

    private static List<Phase> replicate(String mode, ConntrackTable writer, List<ConntrackEntry> flows)
            throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        int pa;
        int pb;
        try (DatagramSocket s1 = new DatagramSocket(0, lo); DatagramSocket s2 = new DatagramSocket(0, lo)) {
            pa = s1.getLocalPort();
            pb = s2.getLocalPort();
        }
        FtfwConfig ca = FtfwConfig.builder(new InetSocketAddress(lo, pa), new InetSocketAddress(lo, pb))
                .socketBuffer(16 << 20).build();
        FtfwConfig cb = FtfwConfig.builder(new InetSocketAddress(lo, pb), new InetSocketAddress(lo, pa))
                .socketBuffer(16 << 20).build();
        CommittedBackup committed = mode.startsWith("hFT-FW")
                ? new CommittedBackup(writer, NodeSettings.Backup.DEFAULT, 8192, Clock.system()) : null;
        Inline inline = mode.startsWith("conntrackd") ? new Inline(writer) : null;
        FtfwChannel.Builder bb = FtfwChannel.builder(cb);
        if (committed != null) {
            bb.peerStates(committed);
        } else if (inline != null) {
            bb.peerStates(inline);
        }
        List<Phase> out = new ArrayList<>();
        try (FtfwChannel b = bb.start(); FtfwChannel a = FtfwChannel.builder(ca).start()) {
            if (committed != null) {
                committed.start(b.externalCache());
            }
            long[] done = {0};
            for (EventType type : new EventType[] {EventType.NEW, EventType.UPDATE, EventType.DESTROY}) {
                List<ConntrackEvent> events = new ArrayList<>(flows.size());
                for (ConntrackEntry e : flows) {
                    ConntrackEntry x = type == EventType.UPDATE ? e.toBuilder().mark(7).build() : e;
                    events.add(new ConntrackEvent(type, x, 0, 0));
                }
                long target = done[0] + flows.size();
                long cpu0 = processCpu();
                long backupCpu0 = committed != null ? committed.stats().writerCpuNanos() : inline != null
                        ? inline.cpu.get() : -1;
                long t0 = System.nanoTime();
                for (int i = 0; i < events.size(); i += 4096) {
                    a.publishAll(events.subList(i, Math.min(events.size(), i + 4096)));
                }
                BooleanSupplier cached = () -> {
                    var s = b.externalCache().stats();
                    return s.news() + s.updates() + s.deletes() >= target;
                };
                await(cached, mode + " " + type + ": the cache did not get every state");
                if (committed != null) {
                    committed.drain();
                } else if (inline != null) {
                    await(() -> inline.done.get() >= target, mode + " " + type + ": the inline writes did not finish");
                }
                long ns = System.nanoTime() - t0;
                long cpu = processCpu() - cpu0;
                long backupCpu = committed != null ? committed.stats().writerCpuNanos() - backupCpu0
                        : inline != null ? inline.cpu.get() - backupCpu0 : -1;
                done[0] = target;
                out.add(new Phase(mode, type.name(), flows.size(), ns, cpu, backupCpu,
                        committed != null ? committed.stats().maxLagNanos() : -1));
            }
            if (committed != null) {
                CommittedBackup.Stats s = committed.stats();
                check(s.failed() == 0, s.failed() + " backup writes failed");
            }
            if (inline != null) {
                check(inline.failed.get() == 0, inline.failed.get() + " inline writes failed");
            }
        } finally {
            if (committed != null) {
                committed.close();
            }
        }
        return out;
    }

    /** conntrackd's DisableExternalCache: one request per state, on the receiving thread (the event loop). */
    private static final class Inline implements PeerStateListener {
        private final ConntrackTable table;
        final AtomicLong done = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong cpu = new AtomicLong();

        Inline(ConntrackTable table) {
            this.table = table;
        }

        @Override
        public void onPeerState(EventType type, ConntrackEntry entry) {
            long c0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            ConntrackTable.Write w = switch (type) {
                case NEW -> new ConntrackTable.Write.Upsert(entry, true);
                case UPDATE -> new ConntrackTable.Write.Upsert(entry, false);
                case DESTROY -> new ConntrackTable.Write.Delete(entry.original(), entry.zone());
            };
            failed.addAndGet(table.writeAll(List.of(w)).failed());
            done.incrementAndGet();
            cpu.addAndGet(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - c0);
        }
    }

    /** The takeover with {@code n} flows held: hFT-FW's timeout pass beside the external cache's commit. */
    private static List<String> takeover(ConntrackTable writer, List<ConntrackEntry> flows) {
        List<String> out = new ArrayList<>();
        List<ConntrackTable.Write> timeouts = new ArrayList<>();
        for (ConntrackEntry e : flows) {
            timeouts.add(new ConntrackTable.Write.Timeout(e.original(), 0, 600));
        }
        for (int round = 1; round <= 3; round++) {
            writer.flush();
            long t0 = System.nanoTime();
            ConntrackTable.BatchResult commit = commitAll(writer, flows);
            long commitNs = System.nanoTime() - t0;
            check(commit.failed() == 0, "commit failures");
            t0 = System.nanoTime();
            int failed = 0;
            for (int i = 0; i < timeouts.size(); i += 8192) {
                failed += writer.writeAll(timeouts.subList(i, Math.min(timeouts.size(), i + 8192))).failed();
            }
            long passNs = System.nanoTime() - t0;
            check(failed == 0, "takeover pass failures");
            out.add(String.format(Locale.ROOT, "takeover round %d, %,d flows: hFT-FW timeout pass %.1f ms;  baseline "
                    + "external-cache commit (createAll into the empty table) %.1f ms", round, flows.size(),
                    passNs / 1e6, commitNs / 1e6));
        }
        return out;
    }

    private static ConntrackTable.BatchResult commitAll(ConntrackTable t, List<ConntrackEntry> flows) {
        int created = 0;
        int updated = 0;
        int failed = 0;
        for (int i = 0; i < flows.size(); i += 8192) {
            ConntrackTable.BatchResult r = t.createAll(flows.subList(i, Math.min(flows.size(), i + 8192)), true);
            created += r.created();
            updated += r.updated();
            failed += r.failed();
        }
        return new ConntrackTable.BatchResult(flows.size(), created, updated, failed, List.of());
    }

    private static void await(BooleanSupplier done, String failure) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!done.getAsBoolean()) {
            check(System.nanoTime() < end, failure);
            Thread.sleep(1);
        }
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
