package org.hftfw.models.lab;

import java.io.IOException;
import org.hftfw.conntrack.lab.NetnsLab.Netns;

/** Adds per-client latency inside the lab firewall; closed when the recording ends. */
public interface DelayLine extends AutoCloseable {

    @Override
    void close();

    /** Starts a delay line in the firewall namespace for the given clients. */
    @FunctionalInterface
    interface Factory {
        DelayLine start(Netns firewall, LatencyProfile latency, String clientNetPrefix) throws IOException;
    }

    /** No added latency (the "none" profile, or hosts without NFQUEUE). */
    public static Factory none() {
        return (fw, latency, prefix) -> () -> { };
    }
}
