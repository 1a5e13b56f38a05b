package org.hftfw.predictor;

import org.hftfw.common.SafeFiles;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hardware events in the kernel log, read from {@code <dev>/kmsg} (kernel Documentation/ABI/testing/dev-kmsg;
 * libraries.md §3 "Kernel log"). The device is opened non-blocking ({@link NonBlockingDevice}) and read by each
 * {@link #sample} until it has nothing more (EAGAIN), on the predictor's sampling thread: a blocking read would need a
 * thread of its own for the daemon's whole life (the daemon's thread budget, docs/daemon.md "Footprint"), and the
 * kernel keeps the records in its ring buffer between rounds. Each read returns one record (an 8 KiB buffer is
 * enough; a too small one fails with EINVAL). Java cannot
 * {@code SEEK_END} on the device, so the boot history is read too and set apart by its timestamp: records stamped
 * before the uptime at start-up ({@code <proc>/uptime}) count as history, the rest as live events. An EPIPE means
 * records were overwritten; reading goes on. Needs CAP_SYSLOG when {@code kernel.dmesg_restrict=1}.
 *
 * <p>A regular file (a saved dump) ends with EOF, after which the source reports {@link Availability.Degraded}
 * with the counts it gathered.
 */
final class KmsgSource implements FaultSource {

    static final String NAME = "kmsg";
    private static final Logger LOG = LoggerFactory.getLogger(KmsgSource.class);
    private static final int READ_BUFFER = 8192;

    private final Path kmsg;
    private final Path uptime;
    private final byte[] record = new byte[READ_BUFFER];
    private KmsgStream stream;
    private String failure;
    private boolean ended;
    private NonBlockingDevice device;

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
        if (device != null || failure != null) {
            return;
        }
        if (!Files.exists(kmsg)) {
            failure = kmsg + " does not exist";
            return;
        }
        try {
            device = NonBlockingDevice.open(kmsg, READ_BUFFER);
        } catch (IOException e) {
            failure = kmsg + " cannot be opened (" + SampleCollector.describe(e)
                    + "; reading it needs CAP_SYSLOG when kernel.dmesg_restrict=1)";
            return;
        }
        long skipBefore = uptimeUsec().orElse(0L);
        stream = new KmsgStream(skipBefore,
                r -> LOG.debug("kmsg hardware event seq={} level={}: {}", r.seq(), r.level(), r.message()));
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

    /** Reads every record the device has now (the backlog at the first call). */
    private void drain() {
        if (device == null || ended || failure != null) {
            return;
        }
        while (true) {
            int n;
            try {
                n = device.read(record);
            } catch (IOException e) {
                failure = "read failed: " + SampleCollector.describe(e);
                LOG.warn("kernel log reader stopped: {}", failure);
                return;
            }
            if (n == NonBlockingDevice.NOTHING_NOW) {
                return;
            }
            if (n == NonBlockingDevice.OVERRUN) {
                stream.overrun();
            } else if (n == 0) {
                ended = true;
                return;
            } else {
                stream.feed(record, 0, n);
            }
        }
    }

    @Override
    public synchronized SourceSample sample(long nowNanos) {
        drain();
        KmsgStream s = stream;
        if (s == null) {
            return SourceSample.unavailable(NAME, nowNanos, failure != null ? failure : "not started");
        }
        SampleCollector c = new SampleCollector(NAME);
        Map<LogEventClass, Long> live = s.live();
        Map<LogEventClass, Long> history = s.history();
        long lost = s.lost();
        long records = s.records();
        long malformed = s.malformed();
        String lastMalformed = s.lastMalformed();
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

    @Override
    public synchronized void close() {
        if (device != null) {
            device.close();
            device = null;
            ended = true;
        }
    }
}
