package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The firewall's own addresses: /proc's if_inet6 format, and the calling namespace's loopback. */
class LocalAddressesTest {

    @Test
    void ifInet6LinesGiveTheirAddressesWithoutLinkLocalOnes() throws Exception {
        List<InetAddress> a = LocalAddresses.parseIfInet6(List.of(
                "00000000000000000000000000000001 01 80 10 80       lo",
                "fd000230000000000000000000000010 02 40 00 80     eth0",
                "fe80000000000000021122fffe334455 02 40 20 80     eth0",
                ""));
        assertEquals(List.of(InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("fd00:230::10")), a);
    }

    @Test
    void theCallingNamespaceHasItsLoopbackAddress() throws Exception {
        assertTrue(LocalAddresses.read().contains(InetAddress.ofLiteral("127.0.0.1")));
    }
}
