package org.hftfw.footprint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.hftfw.failover.FailoverLab;

/**
 * The JIT options of the sync daemon's JVM options file ({@code conf/daemon.jvm}): what {@code hftfw bench pipeline
 * --daemon-jit} runs the event path with, read from the file so that the bench follows it when it changes.
 *
 * <p>The options that choose the compilers and when they compile are taken (tiers, compilation mode, compiler
 * threads, thresholds, inlining, profiling, code cache), and the two that change the code the path runs: the
 * collector, whose write barrier is compiled into every reference store (G1's, the bench's default, took 11 % of C1's
 * samples of the replicate-all path in session 10, where the daemon's serial collector marks a card), and Netty's
 * allocator (each datagram's buffer: unpooled in the daemon). The heap and thread options stay the bench's: the path
 * allocates nothing per event, and a collection runs on the VM thread, outside the CPU time of the path's thread that
 * the figure counts.
 */
public final class DaemonJit {
    /** An option line of the file that selects or tunes the JIT, the collector or Netty's allocator. */
    private static final Pattern JIT_OPTION = Pattern.compile("-Xint|-Xcomp|-Xmixed|-XX:[+-]?(TieredCompilation"
            + "|TieredStopAtLevel|CompilationMode|CICompilerCount|CompileThreshold\\w*|Tier\\d\\w*"
            + "|BackgroundCompilation|ProfileInterpreter|UseOnStackReplacement|\\w*Inline\\w*|ReservedCodeCacheSize"
            + "|\\w*CodeHeapSize|SegmentedCodeCache|DoEscapeAnalysis|EliminateAllocations|Use\\w+GC)(=\\S+)?"
            + "|-Dio\\.netty\\.allocator\\.type=\\S+");

    private DaemonJit() {}

    /** The JIT options of {@code conf/daemon.jvm} of this checkout, found as {@code hftfw bench footprint} finds it. */
    public static List<String> options() {
        Path file = FailoverLab.findConfDir().map(d -> d.getParent().resolve("daemon.jvm")).filter(Files::isRegularFile)
                .orElseThrow(() -> new IllegalStateException(
                        "conf/daemon.jvm not found above the working directory or this program"));
        try {
            return options(Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The JIT options among the lines of a JVM options file (one option a line, {@code #} comments). */
    static List<String> options(List<String> lines) {
        return lines.stream().map(String::strip).filter(l -> JIT_OPTION.matcher(l).matches()).toList();
    }
}
