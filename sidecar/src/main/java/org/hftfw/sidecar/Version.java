package org.hftfw.sidecar;

import picocli.CommandLine;

public final class Version implements CommandLine.IVersionProvider {
    /** The jar's version, or "dev" when run from classes. */
    public static String number() {
        String v = Hftfw.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"hftfw " + number() + " (Java " + Runtime.version() + ")", "GPL-3.0-or-later"};
    }
}
