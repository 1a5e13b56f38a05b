package org.hftfw.predictor;

import org.hftfw.common.SafeFiles;
import java.nio.charset.StandardCharsets;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hardware events in the kernel log, read from {@code <dev>/kmsg} (kernel Documentation/ABI/testing/dev-kmsg;
 * libraries.md §3 "Kernel log"). A read blocks at the end of the buffer and never returns EOF, so a daemon thread
 * reads; each read returns one record (an 8 KiB buffer is enough; a too small one fails with EINVAL). Java cannot
 * {@code SEEK_END} on the device, so the boot history is read too and set apart by its timestamp: records stamped
 * before the uptime at start-up ({@code <proc>/uptime}) count as history, the rest as live events. An EPIPE means
 * records were overwritten; reading goes on. Needs CAP_SYSLOG when {@code kernel.dmesg_restrict=1}.
 *
 * <p>Closing the stream does not wake a read blocked on the device; the thread is a daemon and ends with the JVM
 * or at the next record. A regular file (a saved dump) ends with EOF, after which the source reports
 * {@link Availability.Degraded} with the counts it gathered.
 */
final class KmsgSource implements FaultSource {

    static final String NAME = "kmsg";
    private static final Logger LOG = LoggerFactory.getLogger(KmsgSource.class);
    private static final int READ_BUFFER = 8192;

    private final Path kmsg;
    private final Path uptime;
    private volatile KmsgStream stream;
    private volatile String failure;
    private volatile boolean ended;
    private Thread reader;
    private InputStream in;

    KmsgSource(SourceRoots roots) {
        this.kmsg = roots.dev().resolve("kmsg");
        this.uptime = roots.procfs().resolve("uptime");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public synchronized void start() {
        if (reader != null || failure != null) {
            return;
        }
        if (!Files.exists(kmsg)) {
            failure = kmsg + " does not exist";
            return;
        }
        try {
            in = new FileInputStream(kmsg.toFile());
        } catch (IOException e) {
            failure = kmsg + " cannot be opened (" + SampleCollector.describe(e)
                    + "; reading it needs CAP_SYSLOG when kernel.dmesg_restrict=1)";
            return;
        }
        long skipBefore = uptimeUsec().orElse(0L);
        KmsgStream s = new KmsgStream(skipBefore,
                r -> LOG.debug("kmsg hardware event seq={} level={}: {}", r.seq(), r.level(), r.message()));
        stream = s;
        InputStream input = in;
        reader = Thread.ofPlatform().daemon().name("hftfw-kmsg").unstarted(() -> pump(input, s));
        reader.start();
    }

    private long uptimeSecondsToUsec(String text) {
        String first = text.strip().split("\\s+", -1)[0];
        return (long) (Double.parseDouble(first) * 1_000_000);
    }

    private Optional<Long> uptimeUsec() {
        try {
            return Optional.of(uptimeSecondsToUsec(new String(SafeFiles.read(uptime, 4096), StandardCharsets.US_ASCII)));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read {} ({}); the whole kernel log counts as live", uptime, e.toString());
            return Optional.empty();
        }
    }

    private void pump(InputStream input, KmsgStream s) {
        byte[] buf = new byte[READ_BUFFER];
        while (true) {
            int n;
            try {
                n = input.read(buf);
            } catch (IOException e) {
                if (isOverrun(e)) {
                    synchronized (s) {
                        s.overrun();
                    }
                    continue;
                }
                failure = "read failed: " + SampleCollector.describe(e);
                LOG.warn("kernel log reader stopped: {}", failure);
                return;
            }
            if (n < 0) {
                ended = true;
                return;
            }
            synchronized (s) {
                s.feed(buf, 0, n);
            }
        }
    }

    private static boolean isOverrun(IOException e) {
        String m = e.getMessage();
        return m != null && m.contains("Broken pipe");
    }

    /** Waits (bounded) for the reader to finish; used with regular files that end in EOF. */
    boolean awaitEnd(long millis) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = reader;
        }
        if (t == null) {
            return true;
        }
        t.join(millis);
        return !t.isAlive();
    }

    @Override
    public SourceSample sample(long nowNanos) {
        KmsgStream s = stream;
        if (s == null) {
            return SourceSample.unavailable(NAME, nowNanos, failure != null ? failure : "not started");
        }
        SampleCollector c = new SampleCollector(NAME);
        Map<LogEventClass, Long> live;
        Map<LogEventClass, Long> history;
        long lost;
        long records;
        long malformed;
        String lastMalformed;
        synchronized (s) {
            live = s.live();
            history = s.history();
            lost = s.lost();
            records = s.records();
            malformed = s.malformed();
            lastMalformed = s.lastMalformed();
        }
        for (LogEventClass e : LogEventClass.values()) {
            long h = history.getOrDefault(e, 0L);
            c.add(Metric.LOG_EVENTS, e.name(), live.getOrDefault(e, 0L), h > 0 ? h + " before start-up" : "");
        }
        c.add(Metric.LOG_RECORDS_LOST, "kmsg", (double) lost, "of " + records + " records read");
        if (malformed > 0) {
            c.problem(malformed + " malformed record(s), last: " + lastMalformed);
        }
        if (failure != null) {
            c.problem(failure);
        } else if (ended) {
            c.problem("end of file: " + kmsg + " is not a live kernel log device");
        }
        return c.build(nowNanos);
    }

    /** Count of records parsed so far (for reports). */
    OptionalDouble recordsRead() {
        KmsgStream s = stream;
        if (s == null) {
            return OptionalDouble.empty();
        }
        synchronized (s) {
            return OptionalDouble.of((double) s.records());
        }
    }

    @Override
    public synchronized void close() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                LOG.debug("closing {}: {}", kmsg, e.toString());
            }
        }
    }
}
