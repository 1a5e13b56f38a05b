package org.hftfw.footprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code hftfw bench pipeline --daemon-jit} takes the daemon's compiler options and the two that change the code the
 * path runs (collector, Netty allocator), and nothing else.
 */
class DaemonJitTest {
    @Test
    void takesTheCompilerOptionsAndLeavesTheRest() {
        assertEquals(List.of("-XX:+UseSerialGC", "-XX:-TieredCompilation", "-XX:CICompilerCount=1",
                "-XX:CompileThresholdScaling=4", "-XX:ReservedCodeCacheSize=32m",
                "-Dio.netty.allocator.type=unpooled"), DaemonJit.options(List.of("# C2 only", "-XX:+UseSerialGC",
                        "-Xmx384m", "-XX:-TieredCompilation", "  -XX:CICompilerCount=1  ", "-XX:MaxNewSize=2m",
                        "-XX:CompileThresholdScaling=4", "-XX:ReservedCodeCacheSize=32m", "-Xss512k",
                        "-Dio.netty.allocator.type=unpooled", "# -XX:TieredStopAtLevel=1")));
    }

    @Test
    void theCheckoutsFileChoosesACompiler() {
        assertFalse(DaemonJit.options().isEmpty(), "conf/daemon.jvm names no JIT option");
    }
}
