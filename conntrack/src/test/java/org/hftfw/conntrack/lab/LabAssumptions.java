package org.hftfw.conntrack.lab;

import org.junit.jupiter.api.Assumptions;

/** Turns {@link NetnsLab}'s availability reasons into JUnit assumptions: a lab test skips, naming the reason. */
public final class LabAssumptions {
    private LabAssumptions() {}

    /** Skips the calling test unless it runs as root with iproute2 and conntrack support in the kernel. */
    public static void assumeAvailable() {
        NetnsLab.unavailable().ifPresent(LabAssumptions::skip);
    }

    /** Skips the calling test unless {@code binary} is on the PATH. */
    public static void assumeBinary(String binary) {
        NetnsLab.missing(binary).ifPresent(LabAssumptions::skip);
    }

    private static void skip(String reason) {
        Assumptions.abort(reason);
    }
}
