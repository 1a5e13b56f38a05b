package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that points {@code lazy.model-file} at a file the node cannot use (corrupt, or too large for its heap)
 * keeps the model the replicator runs with, and a later reload retries the file (issue 14 review G3).
 */
class ReloadModelTest {
    @TempDir
    Path dir;

    private long now = 1_000_000_000L;
    private final Publisher publisher = new Publisher(new FlowFilter(java.util.List.of(), java.util.Set.of()),
            (t, e, id) -> { }, () -> now);

    @Test
    void aRefusedModelFileKeepsTheModelInUseAndIsRetriedAtTheNextReload() throws IOException {
        publisher.replicateLazily(LazyConfig.defaults(), LearnedModel.empty());
        for (int i = 0; i < 10; i++) {
            shortConnection(i);
        }
        LearnedModel learned = publisher.lazySnapshot().orElseThrow();
        assertEquals(1, learned.keyCount());
        Path good = dir.resolve("learned.hfm");
        ModelFile.save(learned, good);
        ModelStore models = new ModelStore();
        Reload reload = new Reload(SyncNode.Role.PRIMARY, settings(good), publisher, models);
        publisher.replicateLazily(LazyConfig.defaults(), models.load(good));

        Path bad = dir.resolve("copied-in.hfm");
        Files.write(bad, new byte[] {'H', 'F', 'T', 'F', 'W', 'M', 'D', 'L', 0, 5});
        reload.apply(settings(bad));
        assertEquals(1, publisher.lazySnapshot().orElseThrow().keyCount(), "the model in use is kept");
        assertEquals(good, reload.lazy().modelFile(), "the refused file is not taken as the one in use");
        assertTrue(models.status().startsWith("rejected " + bad), models.status());
        assertTrue(models.status().endsWith("(keeping the model in use)"), models.status());

        Files.copy(good, bad, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        reload.apply(settings(bad));
        assertEquals(bad, reload.lazy().modelFile());
        assertEquals("loaded " + bad + " (1 tuples)", models.status());
    }

    private static NodeSettings settings(Path model) {
        InetSocketAddress self = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3780);
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3781);
        return new NodeSettings(NodeSettings.Link.of(FtfwConfig.of(self, peer)),
                new NodeSettings.Lazy(true, LazyConfig.defaults(), model, false, Duration.ofMillis(20)),
                NodeSettings.Filter.acceptAll(), ProactiveSettings.disabled());
    }

    /** A short HTTP-like connection from one client to one server: the replicator learns its tuple. */
    private void shortConnection(int i) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral("10.1.0.1"), InetAddress.ofLiteral("10.2.0.1"), IpProto.TCP,
                2000 + i, 80);
        ConntrackEntry e = ConntrackEntry.builder(t).tcpState(TcpState.SYN_SENT).status(Status.CONFIRMED)
                .timeout(100).build();
        publisher.onEvent(new ConntrackEvent(EventType.NEW, e, now, now / 1000));
        for (TcpState s : new TcpState[] {TcpState.SYN_RECV, TcpState.ESTABLISHED, TcpState.FIN_WAIT,
            TcpState.LAST_ACK, TcpState.TIME_WAIT}) {
            now += 1_000_000L;
            publisher.onEvent(new ConntrackEvent(EventType.UPDATE, e.toBuilder().tcpState(s).build(), now,
                    now / 1000));
        }
        now += 1_000_000_000L;
        publisher.tick();
    }
}
