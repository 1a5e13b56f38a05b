package org.hftfw.sidecar.config;

import org.hftfw.common.SafeFiles;
import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.netlink.SignalDisposition;
import org.hftfw.common.InvalidConfigException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's config file, mapped to a typed value and re-read at run time — on SIGHUP (as
 * conntrackd and most daemons do) and when the file changes. A file that does not parse or does not
 * validate is rejected with one clear log line naming the file and the problem, and the old values stay in
 * force: a typo in a live firewall's config must never take replication down.
 *
 * <p>Every key must be one the defaults know: an unknown key is an error naming it, with the nearest known key as
 * a suggestion ({@code sync.prot} → did you mean {@code sync.port}?), since a misspelt key would otherwise leave its
 * default silently in force. Reloads are debounced (a SIGHUP or a write waits {@value #SETTLE_MILLIS} ms for more to
 * settle, so an editor's truncate-then-write is read once, complete), run one at a time, and swap the new value in
 * whole or not at all; a refused file is logged once, not again for each signal or write that finds it unchanged.
 * The file is HOCON unless a {@link Format} says otherwise (a conntrackd.conf).
 *
 * @param <T> the validated configuration
 */
public final class ReloadableConfig<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadableConfig.class);

    static final long SETTLE_MILLIS = 250;

    /** How the file's text becomes a config over the defaults' keys (HOCON, or a conntrackd.conf's mapping). */
    @FunctionalInterface
    public interface Format {
        /** The file's settings; throws {@link InvalidConfigException} or {@link ConfigException} when invalid. */
        Config read(String text, Path file);

        /** HOCON, the format of hftfw.conf. */
        static Format hocon() {
            return (text, file) -> ConfigFactory.parseString(text, ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setOriginDescription(file.toString()));
        }
    }

    private final Path file;
    private final Format format;
    private final Config defaults;
    private final java.util.Set<String> checkedElsewhere;
    private final Function<Config, T> mapper;
    private final AtomicReference<T> current = new AtomicReference<>();
    private final List<Consumer<T>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile String lastError;
    private Scheduler.Cancellable filePoll; // guarded by pending
    private volatile boolean warnedWritable;
    private final Object reloading = new Object();
    private String refusedText;
    private final Object pending = new Object();
    private Scheduler timer; // guarded by pending
    private Scheduler.Daemon ownTimer; // guarded by pending
    private long requests; // guarded by pending
    /** A SIGHUP arrived whose reload has not been read yet: its end is reported to the {@link SighupObserver}. */
    private final java.util.concurrent.atomic.AtomicBoolean signalled = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile SighupObserver sighupObserver = SighupObserver.NONE;

    /** A config file is a few KiB; anything past this is not one (and is not read whole into the heap). */
    static final int MAX_BYTES = 4 << 20;

    private ReloadableConfig(Path file, Format format, Config defaults, java.util.Set<String> checkedElsewhere,
                             Function<Config, T> mapper) {
        this.file = file;
        this.format = format;
        this.checkedElsewhere = checkedElsewhere;
        this.defaults = defaults;
        this.mapper = mapper;
    }

    /**
     * Loads {@code file} over {@code defaults} (missing keys take the default). Fails with
     * {@link InvalidConfigException} if the first load is invalid: a daemon must not start on a bad config.
     */
    public static <T> ReloadableConfig<T> load(Path file, Config defaults, Function<Config, T> mapper) {
        return load(file, Format.hocon(), defaults, java.util.Set.of(), mapper);
    }

    /**
     * {@link #load(Path, Config, Function)} for a file in a {@link Format}, whose sections named in
     * {@code checkedElsewhere} may hold keys the defaults do not (the mapper checks them).
     */
    public static <T> ReloadableConfig<T> load(Path file, Format format, Config defaults,
                                               java.util.Set<String> checkedElsewhere, Function<Config, T> mapper) {
        ReloadableConfig<T> rc = new ReloadableConfig<>(file, format, defaults, checkedElsewhere, mapper);
        rc.current.set(rc.parse(rc.text()));
        return rc;
    }

    /** Parses a config text over the defaults (keys under {@code checkedElsewhere} are the mapper's to check). */
    public static <T> T parseString(String text, Config defaults, java.util.Set<String> checkedElsewhere,
                                    Function<Config, T> mapper) {
        try {
            Config own = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
            return mapped(own, defaults, checkedElsewhere, mapper);
        } catch (ConfigException e) {
            throw new InvalidConfigException("config: " + e.getMessage(), e);
        }
    }

    public T get() {
        return current.get();
    }

    /** Called with every new value that passed validation (on the reloading thread). */
    public void onChange(Consumer<T> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /**
     * Re-reads the file. Returns true if the new values are in force; false if the file was rejected (the
     * reason is logged and kept in {@link #lastError()}).
     */
    public boolean reload() {
        synchronized (reloading) {
            T next;
            String text = null;
            try {
                text = text();
                if (text.equals(refusedText)) {
                    return false;                       // refused and logged already; unchanged since
                }
                next = parse(text);
            } catch (InvalidConfigException e) {
                refusedText = text;
                rejected.incrementAndGet();
                lastError = e.getMessage();
                LOG.error("{} (keeping the previous configuration)", e.getMessage());
                return false;
            }
            refusedText = null;
            T previous = current.getAndSet(next);
            reloads.incrementAndGet();
            lastError = null;
            if (!next.equals(previous)) {
                LOG.info("configuration reloaded from {}", file);
                for (Consumer<T> l : listeners) {
                    l.accept(next);
                }
            }
            return true;
        }
    }

    /**
     * Reloads once things settle: the reload runs {@value #SETTLE_MILLIS} ms after the last of a burst of requests
     * (signals, writes), so a burst is one reload of the finished file. It runs on the scheduler given to
     * {@link #reloadOnChange}, else on a timer thread of its own started by the first request.
     */
    public void reloadSoon() {
        synchronized (pending) {
            if (timer == null) {
                ownTimer = Scheduler.daemon("config-reload");
                timer = ownTimer;
            }
            // each request restarts the wait: only the last one's task still holds the newest generation
            long generation = ++requests;
            timer.schedule(() -> {
                synchronized (pending) {
                    if (generation != requests) {
                        return;
                    }
                }
                // taken before the file is read: a SIGHUP from here on is answered by the next round
                boolean answersSignal = signalled.getAndSet(false);
                reload();
                if (answersSignal) {
                    sighupObserver.reloaded();
                }
            }, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS));
        }
    }

    public long reloads() {
        return reloads.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public String lastError() {
        return lastError;
    }

    private String text() {
        if (!Files.isReadable(file)) {
            throw new InvalidConfigException(file + ": cannot read the config file");
        }
        if (SafeFiles.writableByOthers(file) && !warnedWritable) {
            warnedWritable = true;
            LOG.warn("{} is writable by other users: anyone on this host can change how this firewall replicates "
                    + "(chmod o-w)", file);
        }
        try {
            return new String(SafeFiles.read(file, MAX_BYTES), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new InvalidConfigException(file + ": " + e.getMessage(), e);
        }
    }

    private T parse(String text) {
        try {
            return mapped(format.read(text, file), defaults, checkedElsewhere, mapper);
        } catch (ConfigException e) {
            // Typesafe's messages already start with "<file>: <line>:"
            String m = e.getMessage();
            throw new InvalidConfigException(m.contains(file.toString()) ? m : file + ": " + m, e);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** The mapper's value of {@code own} over the defaults; unknown keys and the mapper's problems fail together. */
    private static <T> T mapped(Config own, Config defaults, java.util.Set<String> checkedElsewhere,
                                Function<Config, T> mapper) {
        java.util.List<String> unknown = unknownKeys(own, defaults, checkedElsewhere);
        T value;
        try {
            value = mapper.apply(own.withFallback(defaults).resolve());
        } catch (InvalidConfigException e) {
            java.util.List<String> all = new java.util.ArrayList<>(unknown);
            all.addAll(e.problems());
            throw new InvalidConfigException(all);
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigException(unknown);
        }
        return value;
    }

    /**
     * Every key of {@code own} that {@code defaults} does not have, each with the nearest known key as a suggestion
     * ("unknown key sync.prot (did you mean sync.port?)"), except under the sections in
     * {@code checkedElsewhere} (paths: a section and every key below it). A key whose default is a list or a value is a leaf; its sub-keys are unknown.
     */
    public static java.util.List<String> unknownKeys(Config own, Config defaults,
                                                     java.util.Set<String> checkedElsewhere) {
        java.util.Set<String> known = new java.util.TreeSet<>();
        for (var e : defaults.entrySet()) {
            known.add(e.getKey());
        }
        java.util.List<String> problems = new java.util.ArrayList<>();
        for (var e : own.entrySet()) {
            String key = e.getKey();
            if (checkedElsewhere.stream().anyMatch(p -> key.equals(p) || key.startsWith(p + "."))) {
                continue;
            }
            if (!defaults.hasPathOrNull(key)) {
                problems.add("unknown key " + key + DidYouMean.nearest(key, known).map(k -> " (did you mean " + k
                        + "?)").orElse(""));
            }
        }
        return problems;
    }

    /**
     * Who hears that a SIGHUP's reload began and ended (systemd's RELOADING=1 then READY=1): {@link #reloading} on
     * the signal, {@link #reloaded} once the reload it asked for has run (the file taken or refused) and the
     * listeners have applied it. A burst of signals debounced into one reload is answered by that reload.
     */
    public interface SighupObserver {
        SighupObserver NONE = new SighupObserver() {
            @Override
            public void reloading() { }

            @Override
            public void reloaded() { }
        };

        void reloading();

        void reloaded();
    }

    /** {@link #reloadOnSighup(SighupObserver)} with no one to tell. */
    public ReloadableConfig<T> reloadOnSighup() {
        return reloadOnSighup(SighupObserver.NONE);
    }

    /**
     * Reloads on SIGHUP, telling {@code observer} when the reload begins and ends. Uses the JDK's signal API
     * (jdk.unsupported), as there is no public one. An ignored SIGHUP inherited from the parent ({@code nohup}) is
     * reset first, or the JVM would silently not install the handler.
     */
    public ReloadableConfig<T> reloadOnSighup(SighupObserver observer) {
        sighupObserver = Objects.requireNonNull(observer);
        if (SignalDisposition.restoreDefault(SignalDisposition.SIGHUP)) {
            LOG.info("SIGHUP was ignored by the parent process (nohup?): handling it to reload {}", file);
        }
        JdkSignals.handle("HUP", () -> {
            LOG.info("SIGHUP: reloading {}", file);
            signalled.set(true);
            observer.reloading();
            reloadSoon();
        });
        return this;
    }

    /**
     * Reloads when the file changes, once writes have settled for {@value #SETTLE_MILLIS} ms: every
     * {@code period} a task on {@code scheduler} (the daemon's shared timer thread) compares the file's size,
     * modification time and inode with the last ones seen, so an editor that replaces the file is noticed too. A
     * poll instead of a {@link java.nio.file.WatchService}: the JDK's watch service costs two threads of its own
     * (its poller and a reader blocked on it), a poll a stat per period (docs/daemon.md, "Footprint").
     */
    public ReloadableConfig<T> reloadOnChange(Scheduler scheduler, Duration period) {
        Stamp[] last = {Stamp.of(file)};
        Scheduler.Cancellable poll = scheduler.every(period, () -> {
            Stamp now = Stamp.of(file);
            if (!now.equals(last[0])) {
                last[0] = now;
                // an editor writing in place shows a truncated file first: the reload waits until writes settle
                reloadSoon();
            }
        });
        synchronized (pending) {
            filePoll = poll;
            if (timer == null) {
                timer = scheduler;
            }
        }
        return this;
    }

    /** What tells one version of the file from the next without reading it; null fields when it cannot be read. */
    private record Stamp(Object inode, FileTime modified, long size) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
            } catch (IOException e) {
                return new Stamp(null, null, -1);
            }
        }
    }

    @Override
    public void close() {
        synchronized (pending) {
            if (filePoll != null) {
                filePoll.cancel();
            }
            if (ownTimer != null) {
                ownTimer.close();
            }
        }
    }
}
