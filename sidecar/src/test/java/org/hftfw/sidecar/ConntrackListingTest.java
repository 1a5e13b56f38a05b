package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The normaliser the conntrack lab test compares listings with, on the line shapes conntrack(8) prints. */
class ConntrackListingTest {
    private static final String TCP = "tcp      6 %s ESTABLISHED src=10.231.0.1 dst=10.231.0.2 sport=40000 dport=80 "
            + "src=10.231.0.2 dst=10.231.0.1 sport=80 dport=40000 [ASSURED] mark=7 use=1";
    private static final String UDP6 = "udp      17 %s src=fd00::1 dst=fd00::2 sport=5353 dport=53 [UNREPLIED] "
            + "src=fd00::2 dst=fd00::1 sport=53 dport=5353 mark=0 zone=3 use=1";

    @Test
    void plainLinesLoseOnlyTheTimeout() {
        assertEquals("tcp      6 T ESTABLISHED src=10.231.0.1 dst=10.231.0.2 sport=40000 dport=80 "
                        + "src=10.231.0.2 dst=10.231.0.1 sport=80 dport=40000 [ASSURED] mark=7 use=1\n",
                ConntrackListing.withoutTimeouts(TCP.formatted("300")));
        assertEquals(ConntrackListing.withoutTimeouts(TCP.formatted("300") + "\n" + UDP6.formatted("30")),
                ConntrackListing.withoutTimeouts(UDP6.formatted("9") + "\n" + TCP.formatted("297")));
    }

    @Test
    void extendedLinesLoseOnlyTheTimeout() {
        String v4 = "ipv4     2 " + TCP + " id=3187621";
        String v6 = "ipv6     10 " + UDP6 + " id=99";
        assertEquals("ipv4     2 tcp      6 T ESTABLISHED src=10.231.0.1 dst=10.231.0.2 sport=40000 dport=80 "
                        + "src=10.231.0.2 dst=10.231.0.1 sport=80 dport=40000 [ASSURED] mark=7 use=1 id=3187621\n",
                ConntrackListing.withoutTimeouts(v4.formatted("300")));
        assertEquals(ConntrackListing.withoutTimeouts(v4.formatted("300") + "\n" + v6.formatted("30")),
                ConntrackListing.withoutTimeouts(v6.formatted("29") + "\n" + v4.formatted("297")));
    }

    @Test
    void everyOtherColumnStillCounts() {
        assertNotEquals(ConntrackListing.withoutTimeouts(TCP.formatted("300")),
                ConntrackListing.withoutTimeouts(TCP.formatted("300").replace("mark=7", "mark=8")));
        assertNotEquals(ConntrackListing.withoutTimeouts("ipv4     2 " + TCP.formatted("300")),
                ConntrackListing.withoutTimeouts("ipv4     2 " + TCP.formatted("300").replace(" 6 ", " 17 ")));
    }

    @Test
    void aLineWithoutTimeoutIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ConntrackListing.withoutTimeouts("conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown."));
    }
}
