package org.hftfw.sidecar;

import org.hftfw.conntrack.lab.NetnsLab;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackText;
import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.conntrack.netlink.NetlinkBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hftfw conntrack …}: the kernel conntrack table through hFT-FW's own ctnetlink client. */
@Command(name = "conntrack", mixinStandardHelpOptions = true,
        description = "Read and watch the kernel conntrack table through hFT-FW's ctnetlink client (needs root). "
                + "Output is in conntrack(8)'s own format, so existing scripts keep working.",
        subcommands = {ConntrackCommand.Dump.class, ConntrackCommand.Watch.class, ConntrackCommand.Stats.class,
            ConntrackCommand.Bench.class})
final class ConntrackCommand {

    /** Options shared by the subcommands. */
    static class Target {
        @Option(names = "--netns", paramLabel = "NAME", description = "work in network namespace NAME (/var/run/netns/NAME)")
        String netns;

        @Option(names = {"-o", "--output"}, split = ",", paramLabel = "FMT",
                description = "like conntrack -o: extended, id, timestamp (watch)")
        List<String> output = new ArrayList<>();

        KernelConntrackTable open() {
            Ctnetlink.Options o = Ctnetlink.Options.defaults();
            if (netns != null) {
                try {
                    o = o.withNetns(NetnsLab.existing(netns));
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new Failures.UserError(e.getReason() + " (" + e.getFile() + ")");
                }
            }
            return Ctnetlink.open(o);
        }

        ConntrackText.Option[] textOptions() {
            List<ConntrackText.Option> opts = new ArrayList<>();
            for (String s : output) {
                switch (s.toLowerCase(Locale.ROOT)) {
                    case "extended" -> opts.add(ConntrackText.Option.EXTENDED);
                    case "id" -> opts.add(ConntrackText.Option.ID);
                    case "timestamp" -> { }
                    default -> throw new Failures.UserError("unknown output format '" + s + "' (extended, id, timestamp)");
                }
            }
            return opts.toArray(ConntrackText.Option[]::new);
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = "List every entry, one per line, as 'conntrack -L' prints them.")
    static final class Dump extends Target implements Callable<Integer> {
        @Override
        public Integer call() {
            ConntrackText.Option[] opts = textOptions();
            PrintStream out = System.out;
            try (KernelConntrackTable t = open()) {
                long n = t.dump(e -> out.println(ConntrackText.entry(e, opts)));
                out.flush();
                System.err.printf("hftfw: %d flow entries have been shown.%n", n);
            }
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Print NEW/UPDATE/DESTROY events as they happen, like 'conntrack -E [-o timestamp]'. "
                    + "A line on stderr says when the subscription is in place. An event-buffer overrun is reported, "
                    + "counted and followed by a resync dump.")
    static final class Watch extends Target implements Callable<Integer> {
        /** Printed on stderr once the subscription is in place. */
        static final String READY = "hftfw: watching (subscribed to NEW, UPDATE and DESTROY events)";

        @Option(names = "--count", defaultValue = "0", description = "stop after N events (0: until interrupted)")
        long count;
        @Option(names = "--seconds", defaultValue = "0", description = "stop after N seconds (0: until interrupted)")
        long seconds;

        @Override
        public Integer call() throws InterruptedException {
            ConntrackText.Option[] opts = textOptions();
            boolean timestamps = output.stream().anyMatch(s -> s.equalsIgnoreCase("timestamp"));
            PrintStream out = System.out;
            CountDownLatch done = new CountDownLatch(1);
            AtomicLong seen = new AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
            try (KernelConntrackTable t = open();
                 ConntrackTable.EventSubscription _ = t.subscribe(new ConntrackEventListener() {
                     @Override
                     public void onEvent(ConntrackEvent e) {
                         String line = ConntrackText.event(e, opts);
                         out.println(timestamps ? line : line.substring(line.indexOf('\t') + 1));
                         if (count > 0 && seen.incrementAndGet() >= count) {
                             done.countDown();
                         }
                     }

                     @Override
                     public void onOverrun(long overruns) {
                         System.err.printf("hftfw: event buffer overrun (ENOBUFS), %d so far: events were lost; "
                                 + "resynchronising with a dump%n", overruns);
                     }

                     @Override
                     public void onResync(List<ConntrackEntry> table) {
                         System.err.printf("hftfw: resync dump: %d entries%n", table.size());
                     }

                     @Override
                     public void onError(ConntrackException error) {
                         System.err.println("hftfw: event socket failed: " + error.getMessage());
                         failed.set(true);
                         done.countDown();
                     }
                 })) {
                // the event socket is bound to its groups now, so nothing from here on is missed: scripts (and the
                // lab test) wait for this line instead of sleeping; stdout stays the plain event stream
                System.err.println(READY);
                System.err.flush();
                if (seconds > 0) {
                    done.await(seconds, TimeUnit.SECONDS);
                } else {
                    done.await();
                }
                out.flush();
            }
            return failed.get() ? Failures.EXIT_ERROR : 0;
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Entries, events per second and overruns, one line per interval.")
    static final class Stats extends Target implements Callable<Integer> {
        @Option(names = "--interval", defaultValue = "1", description = "seconds between lines (default: ${DEFAULT-VALUE})")
        int interval;
        @Option(names = "--count", defaultValue = "5", description = "lines to print, 0 = forever (default: ${DEFAULT-VALUE})")
        int lines;

        @Override
        public Integer call() throws InterruptedException {
            if (interval <= 0) {
                throw new Failures.UserError("--interval must be positive");
            }
            AtomicLong events = new AtomicLong();
            try (KernelConntrackTable t = open();
                 ConntrackTable.EventSubscription _ = t.subscribe(e -> events.incrementAndGet())) {
                System.out.printf("%8s %10s %10s %9s %8s %9s%n", "entries", "events", "events/s", "overruns", "resyncs",
                        "malformed");
                long last = 0;
                for (int i = 0; lines == 0 || i < lines; i++) {
                    Thread.sleep(interval * 1000L);
                    long entries = t.dump(e -> { });
                    long now = events.get();
                    ConntrackTable.SourceStats s = t.stats();
                    System.out.printf("%8d %10d %10.1f %9d %8d %9d%n", entries, now, (now - last) / (double) interval,
                            s.overruns(), s.resyncs(), s.malformed());
                    last = now;
                }
            }
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Benchmark dump, inject and event ingest in a namespace of its own, beside the conntrack "
                    + "tool doing the same work in the same run.")
    static final class Bench implements Callable<Integer> {
        @Option(names = "--entries", defaultValue = "100000", description = "table size (default: ${DEFAULT-VALUE})")
        int entries;
        @Option(names = "--rounds", defaultValue = "3", description = "rounds, printed as median [min-max] (default: ${DEFAULT-VALUE})")
        int rounds;
        @Option(names = "--core", description = "only inject, dump and the batch sweep (no listener, ACK-mode or event-storm parts)")
        boolean core;
        @Option(names = "--no-tool", description = "leave out the conntrack tool's runs")
        boolean noTool;

        @Override
        public Integer call() throws Exception {
            if (entries < 1 || rounds < 1) {
                throw new Failures.UserError("--entries and --rounds must be positive");
            }
            NetlinkBench.run(entries, rounds, core, !noTool);
            return 0;
        }
    }
}
