package org.hftfw.predictor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Filesystem roots every source reads under. The host uses {@code /sys}, {@code /proc}, {@code /dev},
 * {@code /sys/kernel/debug} and {@code /var}; tests point them at trees built under a temporary directory.
 */
public record SourceRoots(Path sysfs, Path procfs, Path dev, Path debugfs, Path var) {

    public SourceRoots {
        Objects.requireNonNull(sysfs, "sysfs");
        Objects.requireNonNull(procfs, "procfs");
        Objects.requireNonNull(dev, "dev");
        Objects.requireNonNull(debugfs, "debugfs");
        Objects.requireNonNull(var, "var");
    }

    public static SourceRoots host() {
        return new SourceRoots(Path.of("/sys"), Path.of("/proc"), Path.of("/dev"), Path.of("/sys/kernel/debug"),
                Path.of("/var"));
    }

    /** A fake tree: {@code base/sys}, {@code base/proc}, {@code base/dev}, {@code base/sys/kernel/debug}, {@code base/var}. */
    public static SourceRoots under(Path base) {
        Path sys = base.resolve("sys");
        return new SourceRoots(sys, base.resolve("proc"), base.resolve("dev"), sys.resolve("kernel/debug"),
                base.resolve("var"));
    }

    public boolean isHost() {
        return sysfs.equals(Path.of("/sys"));
    }
}
