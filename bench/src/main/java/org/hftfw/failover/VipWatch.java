package org.hftfw.failover;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.concurrent.locks.LockSupport;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * Times a takeover: a thread inside the new master's namespace polls its interfaces every 2 ms and records when both
 * gateway VIPs are on it ({@link System#nanoTime()}); bounded.
 */
final class VipWatch implements AutoCloseable {
    private static final long POLL_NANOS = 2_000_000;

    private final Thread thread;
    private volatile long bothAt;
    private volatile boolean stopping;

    VipWatch(NetnsLab.Netns fw, long boundMillis) {
        long end = System.nanoTime() + boundMillis * 1_000_000L;
        thread = Thread.ofPlatform().name("hfo-vip-watch").daemon(true).start(() -> fw.call(() -> {
            while (!stopping && System.nanoTime() < end) {
                if (holds(Topology.LAN_VIP) && holds(Topology.WAN_VIP)) {
                    bothAt = System.nanoTime();
                    return null;
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            return null;
        }));
    }

    private static boolean holds(String vip) throws SocketException {
        InetAddress a = InetAddress.ofLiteral(vip);
        for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (Collections.list(i.getInetAddresses()).contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** When both VIPs were on the node, or 0 if not (yet). */
    long bothAt() {
        return bothAt;
    }

    /** Waits until both VIPs are there or the bound has passed; returns {@link #bothAt()}. */
    long await() throws InterruptedException {
        thread.join();
        return bothAt;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
