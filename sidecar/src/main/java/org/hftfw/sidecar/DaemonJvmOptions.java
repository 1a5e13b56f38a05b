package org.hftfw.sidecar;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --jvm-options FILE|none} option of the benches that start sync daemons: the daemon's JVM options file as
 * deployed (conf/daemon.jvm of this checkout or installation, found above the working directory or this program), a
 * file given, or none (the JVM's defaults).
 */
public final class DaemonJvmOptions {
    private DaemonJvmOptions() {}

    /** The file to pass as {@code @FILE}, or null for {@code none}; a user error when the default cannot be found. */
    public static Path resolve(String option) {
        if ("none".equals(option)) {
            return null;
        }
        if (option != null) {
            return Path.of(option).toAbsolutePath();
        }
        return org.hftfw.failover.FailoverLab.findConfDir().map(d -> d.getParent().resolve("daemon.jvm"))
                .filter(Files::isRegularFile).orElseThrow(() -> new Failures.UserError(
                        "conf/daemon.jvm not found above the working directory or this program; give "
                                + "--jvm-options FILE or none"));
    }
}
