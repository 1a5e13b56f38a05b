package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.hftfw.sync.Replication;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Configuration reload of a running primary (in a namespace of its own: it opens the kernel table): the lazy
 * section is applied through {@code LazyReplicator.reconfigure}, a bad file keeps the old values, a bad model file
 * is logged and the replicator starts with no knowledge (replicates everything), and a model is saved on exit.
 */
@Tag("lab")
class SyncReloadLabTest {
    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    /** The lazy settings in force, or null when every change is replicated. */
    private static LazyConfig lazyConfig(SyncDaemon d) {
        return d.node().publisher().replication() instanceof Replication.Lazy l ? l.config() : null;
    }

    @Test
    void lazySettingsReloadAndBadInputKeepsTheOldValues() throws Exception {
        try (SyncLab l = new SyncLab()) {
            Path model = l.dir.resolve("model.bin");
            Files.writeString(model, "this is not a model file");
            Path conf = l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC,
                    "lazy { enabled = true, model-file = \"model.bin\", save-on-exit = true }");
            SyncDaemon d = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY, conf);
            assertTrue(d.node().modelStatus().startsWith("rejected"), d.node().modelStatus());
            assertEquals(LazyConfig.defaults(), lazyConfig(d), "started anyway, with no knowledge");
            assertEquals(0, ((Replication.Lazy) d.node().publisher().replication()).metrics().knowledgeBaseSize());

            String base = Files.readString(conf);
            Files.writeString(conf, base + "lazy { barrier = 0.5, latency = 50ms, mode = defer }\n");
            assertTrue(d.config().reload());
            assertEquals(LazyConfig.defaults().withBarrier(0.5).withLatency(Duration.ofMillis(50)).withMode(Mode.DEFER),
                    lazyConfig(d), "applied through reconfigure");

            Files.writeString(conf, base + "lazy { barrier = 7 }\n");
            assertFalse(d.config().reload());
            assertTrue(d.config().lastError().contains("lazy.barrier"), d.config().lastError());
            assertEquals(0.5, lazyConfig(d).barrier(), "the old values stay in force");

            Files.writeString(conf, base + "lazy.enabled = false\n");
            assertTrue(d.config().reload());
            assertNull(lazyConfig(d), "every change is replicated again");
            Files.writeString(conf, base);
            assertTrue(d.config().reload());
            assertTrue(d.node().publisher().stats().lazyActive());

            d.close();
            assertTrue(org.hftfw.lazy.ModelFile.load(model).isEmpty(), "saved on exit: a valid (empty) model now");
        }
    }
}
