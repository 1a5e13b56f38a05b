package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Address ranges of the filter's ignore list. */
class CidrTest {

    @Test
    void cidrMatching() {
        Cidr c = Cidr.parse("10.230.0.0/15");
        assertTrue(c.contains(java.net.InetAddress.ofLiteral("10.231.255.1")));
        assertFalse(c.contains(java.net.InetAddress.ofLiteral("10.232.0.1")));
        assertFalse(c.contains(java.net.InetAddress.ofLiteral("fd00::1")));
        assertTrue(Cidr.parse("fd00:230::/32").contains(java.net.InetAddress.ofLiteral("fd00:230:1::10")));
        assertTrue(Cidr.parse("10.0.0.1").contains(java.net.InetAddress.ofLiteral("10.0.0.1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(java.net.InetAddress.ofLiteral("192.0.2.1")));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.org"));
    }
}
