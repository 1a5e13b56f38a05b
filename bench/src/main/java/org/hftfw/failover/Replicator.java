package org.hftfw.failover;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The replication daemon of one firewall node: an hFT-FW sync daemon ({@link HftfwNode}) or a stock conntrackd
 * ({@link ConntrackdNode}). Each runs as its own process inside the node's namespace, as on a real firewall, so that
 * keepalived can track it and the lab can {@code kill -9} it.
 */
sealed interface Replicator permits HftfwNode, ConntrackdNode {

    /** "hFT-FW" or "conntrackd". */
    String label();

    /** Starts the daemon and returns once it answers on its control socket. */
    void start() throws IOException, InterruptedException;

    /** The daemon's process (not a wrapper), for {@code kill -9}. */
    ProcessHandle process();

    /** The settings of conf/keepalived's notify and check scripts for this node (hftfw-keepalived.env lines). */
    String keepalivedEnv(Path notifyLog);

    /** The notify script keepalived runs for this node, in the lab's script folder (conf/keepalived's by default). */
    default String notifyScript() {
        return "hftfw-notify.sh";
    }

    /** Flows of the peer this daemon holds, ready to commit (its external cache), or -1 if it cannot tell now. */
    long externalFlows();
}
