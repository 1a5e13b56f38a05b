package org.hftfw.sync;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.lazy.LazyConfig;

/** Two sync nodes on loopback for the node tests: free ports and the settings of a node with lazy replication off. */
final class LoopbackNodes {
    private LoopbackNodes() {}

    /** A loopback UDP port nobody holds now (bound and released). */
    static InetSocketAddress freeLoopbackPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }

    /** A node at {@code self} syncing with {@code peer}: every change replicated, everything accepted, no predictor. */
    static NodeSettings settings(InetSocketAddress self, InetSocketAddress peer) {
        return settings(self, peer, NodeSettings.Filter.acceptAll(), ProactiveSettings.disabled());
    }

    static NodeSettings settings(InetSocketAddress self, InetSocketAddress peer, NodeSettings.Filter filter,
                                 ProactiveSettings proactive) {
        return new NodeSettings(NodeSettings.Link.of(FtfwConfig.of(self, peer)),
                new NodeSettings.Lazy(false, LazyConfig.defaults(), null, false, Duration.ofMillis(20)), filter,
                proactive);
    }
}
