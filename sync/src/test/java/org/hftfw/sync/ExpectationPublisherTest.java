package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The primary's expectation listener: events, the table re-read after an overrun, a failed subscription. */
class ExpectationPublisherTest {
    private final List<String> sent = new ArrayList<>();
    private final ExpectationPublisher p = new ExpectationPublisher(ExpectationSync.of(Set.of("ftp")),
            (type, e) -> sent.add(type + " " + e.helper() + " " + e.expected().dport()));

    private static Expectation exp(String helper, int port) {
        InetAddress c = InetAddress.ofLiteral("10.0.0.1");
        InetAddress s = InetAddress.ofLiteral("10.0.0.2");
        InetAddress ones = InetAddress.ofLiteral("255.255.255.255");
        return new Expectation(Tuple.ports(c, s, IpProto.TCP, 40000, 21), Tuple.ports(c, s, IpProto.TCP, 0, port),
                Tuple.ports(ones, ones, IpProto.TCP, 0, 0xffff), 300, 0, 0, helper, null, null);
    }

    @Test
    void sendsTheEventsOfTheAcceptedHelpersOnly() {
        p.onExpectation(EventType.NEW, exp("ftp", 50000));
        p.onExpectation(EventType.NEW, exp("sip", 5060));
        p.onExpectation(EventType.DESTROY, exp("ftp", 50000));
        assertEquals(List.of("NEW ftp 50000", "DESTROY ftp 50000"), sent);
    }

    /**
     * The loss window this closes: an expectation created while the event socket overran has no event; it is only in
     * the re-read table, and it would never reach the peer (it lives until used or timed out) if that were ignored.
     */
    @Test
    void anOverrunSendsTheAcceptedExpectationsOfTheReReadTableAsNew() {
        p.onResync(List.of(exp("ftp", 50000), exp("sip", 5060), exp("ftp", 50001)));
        assertEquals(List.of("NEW ftp 50000", "NEW ftp 50001"), sent);
    }

    @Test
    void aFailedSubscriptionIsLoggedAsAnError() {
        try (LogCapture log = new LogCapture()) {
            p.onError(new ConntrackException(0, "recv: EBADF"));
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("no longer replicates its expectations")
                    && l.contains("recv: EBADF")), log.lines().toString());
        }
        assertTrue(sent.isEmpty());
    }
}
