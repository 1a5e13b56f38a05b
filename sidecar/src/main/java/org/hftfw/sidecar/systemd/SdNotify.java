package org.hftfw.sidecar.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's service notification protocol (sd_notify(3)), for {@code Type=notify} units: newline-separated state
 * assignments ({@code READY=1}, {@code RELOADING=1}, {@code STOPPING=1}, {@code WATCHDOG=1}, {@code STATUS=...}) sent
 * as one datagram to the UNIX socket named by {@code $NOTIFY_SOCKET} (a path, or an abstract name written with a
 * leading {@code @}).
 * Without that variable (not started by systemd, or not as {@code Type=notify}) every call does nothing. A failed
 * send is logged once and never thrown: replication must not stop because the service manager went away.
 *
 * <p>The watchdog ({@code WatchdogSec=} in the unit, {@code $WATCHDOG_USEC} here) is fed at half its period, as
 * sd_watchdog_enabled(3) advises, and only while the caller's liveness check passes, so a daemon whose event loop
 * hangs is restarted by systemd instead of being reported alive by a timer thread.
 */
public final class SdNotify implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SdNotify.class);

    private final UnixDatagram socket;
    private final String target;
    private final Duration watchdogPeriod;
    private volatile boolean warned;

    private SdNotify(UnixDatagram socket, String target, Duration watchdogPeriod) {
        this.socket = socket;
        this.target = target;
        this.watchdogPeriod = watchdogPeriod;
    }

    /** From this process's environment. */
    public static SdNotify fromEnvironment() {
        return from(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * From {@code env}: {@code NOTIFY_SOCKET}, and {@code WATCHDOG_USEC} when {@code WATCHDOG_PID} is unset or is
     * {@code pid} (the watchdog is meant for the service's main process only).
     */
    static SdNotify from(Map<String, String> env, long pid) {
        String target = env.get("NOTIFY_SOCKET");
        if (target == null || target.isEmpty()) {
            return new SdNotify(null, null, null);
        }
        if (!target.startsWith("/") && !target.startsWith("@")) {
            LOG.warn("NOTIFY_SOCKET={} is not a UNIX socket path: systemd will not hear that the daemon is ready", target);
            return new SdNotify(null, null, null);
        }
        UnixDatagram s;
        try {
            s = new UnixDatagram(target);
        } catch (IOException e) {
            LOG.warn("cannot notify systemd on {}: {}", target, e.getMessage());
            return new SdNotify(null, null, null);
        }
        return new SdNotify(s, target, watchdogPeriod(env, pid));
    }

    private static Duration watchdogPeriod(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
            return null;
        }
        try {
            long us = Long.parseLong(usec.trim());
            if (us > 0) {
                return Duration.ofNanos(us * 500);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        LOG.warn("WATCHDOG_USEC={} is not a positive number of microseconds: the watchdog is not fed", usec);
        return null;
    }

    /** True when systemd listens (NOTIFY_SOCKET was set and usable). */
    public boolean enabled() {
        return socket != null;
    }

    /** How often the watchdog is fed (half of WatchdogSec), when systemd runs one for this process. */
    public Optional<Duration> watchdogPeriod() {
        return Optional.ofNullable(watchdogPeriod);
    }

    /** READY=1: start-up is complete (systemd starts the units ordered after this one). */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    /**
     * RELOADING=1 with MONOTONIC_USEC (the time of this message on CLOCK_MONOTONIC, which systemd ≥ 253 requires with
     * it): a reload has begun; {@link #ready} says it is over, whether the new configuration was taken or refused.
     */
    public void reloading(String status) {
        send("RELOADING=1\nMONOTONIC_USEC=" + MonotonicClock.micros() + "\nSTATUS=" + oneLine(status));
    }

    /** STOPPING=1: the service is shutting down. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    /**
     * Feeds the watchdog every {@link #watchdogPeriod()} on {@code scheduler} while {@code alive} says so; nothing
     * when there is no watchdog. Cancel the result before stopping.
     */
    public Scheduler.Cancellable feedWatchdog(Scheduler scheduler, BooleanSupplier alive) {
        if (watchdogPeriod == null || socket == null) {
            return () -> { };
        }
        return scheduler.every(watchdogPeriod, () -> {
            if (alive.getAsBoolean()) {
                send("WATCHDOG=1");
            }
        });
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    void send(String state) {
        if (socket == null) {
            return;
        }
        try {
            socket.send(state.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot notify systemd on {} ({}): {}", target, state.lines().findFirst().orElse(""),
                        e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
