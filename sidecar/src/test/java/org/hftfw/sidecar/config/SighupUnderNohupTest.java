package org.hftfw.sidecar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A daemon started under nohup (SIGHUP ignored by the parent) still reloads on SIGHUP. */
class SighupUnderNohupTest {

    /** The child: loads a config, handles SIGHUP, reports the reload. */
    public static void main(String[] args) throws Exception {
        Path f = Path.of(args[0]);
        try (ReloadableConfig<ReloadableConfigTest.Lazy> rc = ReloadableConfig.load(f, ReloadableConfigTest.DEFAULTS,
                ReloadableConfigTest::map).reloadOnSighup()) {
            System.out.println("ready");
            System.out.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (rc.reloads() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            System.out.println(rc.reloads() > 0 ? "reloaded " + rc.get().barrier() : "no reload");
        }
    }

    @Test
    void sighupReloadsEvenWhenTheParentIgnoredIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy.barrier = 0.25\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of("nohup", java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), SighupUnderNohupTest.class.getName(), f.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine());
            Files.writeString(f, "lazy.barrier = 0.5\n");
            assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
            assertEquals("reloaded 0.5", out.readLine());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }
}
