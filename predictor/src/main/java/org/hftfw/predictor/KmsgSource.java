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
    /**
     * Bytes read per sample at most: 1 MiB, the whole ring buffer of most kernels (log_buf_len, 128 KiB to 1 MiB by
     * default) in one round; a bigger backlog is read over the next rounds.
     */
    static final int BYTES_PER_SAMPLE = 1 << 20;
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int KMSG_MAJOR = 1;
    private static final int KMSG_MINOR = 11;

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
        String refused = refusal(kmsg);
        if (refused != null) {
            failure = refused;
            LOG.warn("kernel log source: {}", failure);
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

    /**
     * Why {@code file} is not read (null: it is read). Only the kernel's log device (character device 1:11, as
     * {@code /dev/kmsg} is, kernel Documentation/admin-guide/devices.txt) or a regular file (a saved dump) is opened,
     * after following links: another device ({@code /dev/zero}, {@code /dev/urandom}) hands out bytes without end
     * and a FIFO whatever its writer sends, as {@link SafeFiles} refuses them for sysfs attributes.
     */
    static String refusal(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                return null;
            }
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            long rdev = (Long) Files.getAttribute(file, "unix:rdev");
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            if ((mode & S_IFMT) == S_IFCHR && major == KMSG_MAJOR && minor == KMSG_MINOR) {
                return null;
            }
            return file + " is not the kernel log device (character device " + KMSG_MAJOR + ":" + KMSG_MINOR
                    + ") nor a regular file: not read";
        } catch (IOException e) {
            return file + " cannot be checked (" + SampleCollector.describe(e) + "): not read";
        } catch (UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return file + " cannot be checked (" + e + "): not read";
        }
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

    /**
     * Reads the records the device has now (the backlog at the first call), at most {@link #BYTES_PER_SAMPLE}: the
     * rest waits in the kernel's ring buffer (or the file) for the next sample, so one round never holds the
     * sampling thread (the daemon's shared timer thread, which also feeds the systemd watchdog) for long.
     */
    private void drain() {
        if (device == null || ended || failure != null) {
            return;
        }
        for (long budget = BYTES_PER_SAMPLE; budget > 0; ) {
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
                budget--;                        // a read, even without bytes
            } else if (n == 0) {
                ended = true;
                return;
            } else {
                stream.feed(record, 0, n);
                budget -= n;
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
