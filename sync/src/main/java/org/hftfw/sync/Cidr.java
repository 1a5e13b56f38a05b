package org.hftfw.sync;

import java.net.InetAddress;

/** An address range {@code ADDRESS/PREFIX} (a bare address is a /32 or /128), as in conntrackd's {@code Address Ignore}. */
public record Cidr(InetAddress network, int prefix) {

    public Cidr {
        int max = network.getAddress().length * 8;
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("prefix /" + prefix + " out of range for " + network.getHostAddress());
        }
    }

    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(slash < 0 ? s : s.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not ADDRESS or ADDRESS/PREFIX with an IP literal");
        }
        int prefix = a.getAddress().length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
            }
        }
        return new Cidr(a, prefix);
    }

    /** A single address. */
    public static Cidr host(InetAddress a) {
        return new Cidr(a, a.getAddress().length * 8);
    }

    public boolean contains(InetAddress a) {
        byte[] n = network.getAddress();
        byte[] x = a.getAddress();
        if (n.length != x.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (n[i] != x[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (n[full] & mask) == (x[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
