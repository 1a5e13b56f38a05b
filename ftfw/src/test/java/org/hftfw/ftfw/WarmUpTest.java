package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.stream.IntStream;
import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/** The start-up warm-up runs the in-band confirmation a migration to an hFT-FW peer runs, not only the send. */
class WarmUpTest {
    private static final List<ConntrackEntry> SAMPLES =
            IntStream.range(0, 300).mapToObj(i -> RandomEntries.tcpFlow(i, 600)).toList();

    @Test
    void everyRoundIsAMarkedBulkConfirmedPerFlow() {
        assertEquals(4, WarmUp.run(SimLink.config(), ByteBufAllocator.DEFAULT, SAMPLES::iterator, 4));
    }

    @Test
    void withoutExtensionsTheRoundsAreSentUnconfirmed() {
        FtfwConfig plain = FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer()).extensions(false)
                .build();
        assertEquals(0, WarmUp.run(plain, ByteBufAllocator.DEFAULT, SAMPLES::iterator, 2));
    }
}
