package org.hftfw.sidecar.config;

import org.hftfw.common.SafeFiles;
import org.hftfw.conntrack.netlink.SignalDisposition;
import org.hftfw.common.InvalidConfigException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
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
 * An operator's HOCON config file, mapped to a typed value and re-read at run time — on SIGHUP (as
 * conntrackd and most daemons do) and when the file changes. A file that does not parse or does not
 * validate is rejected with one clear log line naming the file and the problem, and the old values stay in
 * force: a typo in a live firewall's config must never take replication down.
 *
 * @param <T> the validated configuration
 */
public final class ReloadableConfig<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadableConfig.class);

    static final long SETTLE_MILLIS = 250;

    private final Path file;
    private final Config defaults;
    private final Function<Config, T> mapper;
    private final AtomicReference<T> current = new AtomicReference<>();
    private final List<Consumer<T>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile String lastError;
    private WatchService watcher;
    private Thread watchThread;
    private volatile boolean warnedWritable;

    /** A config file is a few KiB; anything past this is not one (and is not read whole into the heap). */
    static final int MAX_BYTES = 4 << 20;

    private ReloadableConfig(Path file, Config defaults, Function<Config, T> mapper) {
        this.file = file;
        this.defaults = defaults;
        this.mapper = mapper;
    }

    /**
     * Loads {@code file} over {@code defaults} (missing keys take the default). Fails with
     * {@link InvalidConfigException} if the first load is invalid: a daemon must not start on a bad config.
     */
    public static <T> ReloadableConfig<T> load(Path file, Config defaults, Function<Config, T> mapper) {
        ReloadableConfig<T> rc = new ReloadableConfig<>(file, defaults, mapper);
        rc.current.set(rc.parse());
        return rc;
    }

    /** Parses a config text over the defaults, for tests and for {@code --config -}. */
    public static <T> T parseString(String text, Config defaults, Function<Config, T> mapper) {
        try {
            Config c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF))
                    .withFallback(defaults).resolve();
            return mapper.apply(c);
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
        T next;
        try {
            next = parse();
        } catch (InvalidConfigException e) {
            rejected.incrementAndGet();
            lastError = e.getMessage();
            LOG.error("{} (keeping the previous configuration)", e.getMessage());
            return false;
        }
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

    public long reloads() {
        return reloads.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public String lastError() {
        return lastError;
    }

    private T parse() {
        if (!Files.isReadable(file)) {
            throw new InvalidConfigException(file + ": cannot read the config file");
        }
        if (SafeFiles.writableByOthers(file) && !warnedWritable) {
            warnedWritable = true;
            LOG.warn("{} is writable by other users: anyone on this host can change how this firewall replicates "
                    + "(chmod o-w)", file);
        }
        String text;
        try {
            text = new String(SafeFiles.read(file, MAX_BYTES), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new InvalidConfigException(file + ": " + e.getMessage(), e);
        }
        try {
            Config c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                            .setOriginDescription(file.toString()))
                    .withFallback(defaults).resolve();
            return mapper.apply(c);
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

    /**
     * Reloads on SIGHUP. Uses the JDK's signal API (jdk.unsupported), as there is no public one. An ignored SIGHUP
     * inherited from the parent ({@code nohup}) is reset first, or the JVM would silently not install the handler.
     */
    public ReloadableConfig<T> reloadOnSighup() {
        if (SignalDisposition.restoreDefault(SignalDisposition.SIGHUP)) {
            LOG.info("SIGHUP was ignored by the parent process (nohup?): handling it to reload {}", file);
        }
        JdkSignals.handle("HUP", () -> {
            LOG.info("SIGHUP: reloading {}", file);
            reload();
        });
        return this;
    }

    private boolean ours(WatchKey key) {
        boolean mine = key.pollEvents().stream().anyMatch(e -> file.getFileName().equals(e.context()));
        key.reset();
        return mine;
    }

    /**
     * Reloads when the file is written (watching its directory, so editors that replace the file work), once
     * writes have settled for {@value #SETTLE_MILLIS} ms.
     */
    public ReloadableConfig<T> reloadOnChange() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        watchThread = Thread.ofPlatform().daemon().name("config-watch").start(() -> {
            try {
                while (true) {
                    if (ours(watcher.take())) {
                        // an editor writing in place shows a truncated file first: wait until writes settle
                        WatchKey more;
                        while ((more = watcher.poll(SETTLE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
                            ours(more);
                        }
                        reload();
                    }
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // closing
            }
        });
        return this;
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (watchThread != null) {
            watchThread.interrupt();
        }
    }
}
