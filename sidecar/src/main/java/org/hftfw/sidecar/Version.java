package org.hftfw.sidecar;

import picocli.CommandLine;

final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Hftfw.class.getPackage().getImplementationVersion();
        return new String[] {"hftfw " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")",
            "GPL-3.0-or-later"};
    }
}
