package org.hftfw.failover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.ftfw.ConntrackdConf;

/**
 * A stock conntrackd (FTFW over UDP on the sync link, external cache on, the shared testbed's filter) in console mode
 * inside the node's namespace, so that the spawned process is conntrackd itself.
 */
final class ConntrackdNode implements Replicator {
    private final NetnsLab.Netns ns;
    private final ConntrackdConf conf;
    private Process process;

    ConntrackdNode(NetnsLab.Netns ns, int node, Path dir) {
        this.ns = ns;
        List<String> ignore = new ArrayList<>(List.of("127.0.0.1"));
        ignore.addAll(Topology.firewallAddresses());
        this.conf = ConntrackdConf.lab(dir, "fw" + node + "-conntrackd", Topology.syncAddress(node),
                Topology.syncAddress(3 - node), ignore).withProtocols(List.of("TCP", "UDP"));
    }

    @Override
    public String label() {
        return "conntrackd";
    }

    @Override
    public void start() throws IOException, InterruptedException {
        conf.write();
        process = ns.spawn(conf.runDir().resolve(conf.name() + ".out"), "conntrackd", "-C", conf.file().toString());
        Await.until("conntrackd in " + ns + " answers", 20_000, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("conntrackd in " + ns + " exited with " + process.exitValue());
            }
            return ns.exec("conntrackd", "-C", conf.file().toString(), "-s").exitCode() == 0;
        });
    }

    @Override
    public ProcessHandle process() {
        return process.toHandle();
    }

    /** {@code conntrackd -C CONF args...} in this node's namespace, checked. */
    void run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("conntrackd", "-C", conf.file().toString()));
        cmd.addAll(List.of(args));
        ns.exec(cmd.toArray(String[]::new)).check();
    }

    /** {@code conntrackd -c} on this node, run from anywhere: the hook of a peer's migration. */
    List<String> commitCommand() {
        return List.of("ip", "netns", "exec", ns.name(), "conntrackd", "-C", conf.file().toString(), "-c");
    }

    @Override
    public String keepalivedEnv(Path notifyLog) {
        return """
                DAEMON=conntrackd
                CONNTRACKD_CONF=%s
                CONNTRACKD_SOCKET=%s
                NOTIFY_LOG=%s
                """.formatted(conf.file(), conf.controlSocket(), notifyLog);
    }

    @Override
    public long externalFlows() {
        return externalFlows("src=" + Topology.CLIENT + " ");
    }

    /** The long-lived flows among {@link #externalFlows()}. */
    long externalLongLivedFlows() {
        return externalFlows("dport=" + Topology.ECHO_PORT + " ");
    }

    private long externalFlows(String containing) {
        NetnsLab.Result r = ns.exec("conntrackd", "-C", conf.file().toString(), "-e");
        if (r.exitCode() != 0) {
            return -1;
        }
        return r.stdout().lines().filter(l -> l.contains(containing)).count();
    }
}
