package org.hftfw.sync;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * The firewall's own addresses, for the filter's {@code ignore-local-addresses}: flows of the firewall itself make no
 * sense on the peer. Runs on the calling thread's network namespace: IPv4 comes from the JDK (an ioctl on a socket
 * opened here); IPv6 is read from {@code /proc/thread-self/net/if_inet6}, because the JDK reads
 * {@code /proc/net/if_inet6}, which shows the process's namespace, not the thread's. Link-local IPv6 addresses are
 * left out (they never appear in a forwarded flow).
 */
final class LocalAddresses {
    static final Path IF_INET6 = Path.of("/proc/thread-self/net/if_inet6");

    private LocalAddresses() {}

    static List<InetAddress> read() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    out.add(a);
                }
            }
        }
        if (Files.isReadable(IF_INET6)) {
            out.addAll(parseIfInet6(Files.readAllLines(IF_INET6)));
        }
        return out;
    }

    /** The addresses of {@code if_inet6} lines ({@code 32 hex digits, index, prefix, scope, flags, name}). */
    static List<InetAddress> parseIfInet6(List<String> lines) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (String line : lines) {
            String hex = line.trim().split("\\s+", -1)[0];
            if (hex.length() == 32) {
                InetAddress a = InetAddress.getByAddress(HexFormat.of().parseHex(hex));
                if (!a.isLinkLocalAddress()) {
                    out.add(a);
                }
            }
        }
        return out;
    }
}
