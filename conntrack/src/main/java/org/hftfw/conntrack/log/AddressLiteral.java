package org.hftfw.conntrack.log;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.hftfw.conntrack.ConntrackException.MalformedException;

/**
 * Parses the address literals conntrack prints ({@code inet_ntoa} dotted quads, {@code inet_ntop} IPv6) without
 * ever resolving a name: a log line must never trigger a DNS lookup.
 */
final class AddressLiteral {
    private AddressLiteral() {}

    static InetAddress parse(String text) {
        if (text.indexOf(':') >= 0) {
            try {
                InetAddress a = Inet6Address.ofLiteral(text);
                if (a instanceof Inet6Address) {
                    return a;
                }
            } catch (IllegalArgumentException e) {
                throw new MalformedException("bad IPv6 address '" + text + "'");
            }
            throw new MalformedException("bad IPv6 address '" + text + "'");
        }
        return ipv4(text);
    }

    private static InetAddress ipv4(String text) {
        byte[] b = new byte[4];
        int part = 0;
        int i = 0;
        int n = text.length();
        while (true) {
            int from = i;
            int value = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - from < 3) {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - from;
            if (digits == 0 || value > 255 || (digits > 1 && text.charAt(from) == '0')) {
                throw new MalformedException("bad IPv4 address '" + text + "'");
            }
            b[part++] = (byte) value;
            if (part == 4) {
                break;
            }
            if (i >= n || text.charAt(i) != '.') {
                throw new MalformedException("bad IPv4 address '" + text + "'");
            }
            i++;
        }
        if (i != n) {
            throw new MalformedException("bad IPv4 address '" + text + "'");
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new MalformedException("bad IPv4 address '" + text + "'");
        }
    }
}
