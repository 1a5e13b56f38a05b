package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hftfw.lazy.Mode;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade keeps each node's /etc/hftfw/hftfw.conf (a conffile): the next version must read what the
 * previous one shipped. src/test/resources/compat/ holds earlier builds' conf/hftfw.conf unchanged; every one must
 * load with this build, and the values it sets stay in force even where a default changed since.
 */
class ConfigCompatibilityTest {
    private static final Path COMPAT = Path.of("src", "test", "resources", "compat");

    @Test
    void everyEarlierShippedConfigLoads() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(COMPAT)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no earlier config in " + COMPAT);
        for (Path f : files) {
            try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(f)) {
                assertEquals(3780, rc.get().node().link().local().getPort(), f.toString());
            }
        }
    }

    @Test
    void aValueTheOldFileSetsOutlivesAChangedDefault() throws Exception {
        // lazy.mode's default became defer after f14c8d1; its file says drop, and drop it stays
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(COMPAT.resolve("hftfw-f14c8d1.conf"))) {
            assertEquals(Mode.DROP, rc.get().node().lazy().config().mode());
        }
    }
}
