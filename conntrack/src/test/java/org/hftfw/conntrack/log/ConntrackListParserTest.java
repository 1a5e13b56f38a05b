package org.hftfw.conntrack.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConntrackListParserTest {

    @ParameterizedTest
    @ValueSource(strings = {"list.txt", "list-extended-id.txt"})
    void listingsMatchTheFlowsOfTheEventLogRecordedWithThem(String listing) throws IOException {
        List<ConntrackEntry> entries = new ArrayList<>();
        ParseReport rep;
        try (var in = new InputStreamReader(Captures.stream(listing), StandardCharsets.UTF_8)) {
            rep = ConntrackListParser.read(in, entries::add);
        }
        assertEquals(Captures.lines(listing).size(), rep.entries());
        assertEquals(0, rep.malformed());
        assertTrue(rep.entries() > 0);

        // the last event of each flow in the simultaneous event log, before the final flush
        Map<Tuple, ConntrackEvent> lastBeforeFlush = new HashMap<>();
        for (ConntrackEvent e : ConntrackLogReaderTest.readAll("events-extended-timestamp-id.log")) {
            if (e.type() != org.hftfw.conntrack.EventType.DESTROY) {
                lastBeforeFlush.put(e.entry().original(), e);
            }
        }
        for (ConntrackEntry listed : entries) {
            ConntrackEvent ev = lastBeforeFlush.get(listed.original());
            assertTrue(ev != null, "listed flow seen in the event log: " + listed.original());
            assertEquals(ev.entry().reply(), listed.reply());
            assertEquals(ev.entry().zone(), listed.zone());
            assertEquals(ev.entry().status(), listed.status());
            assertEquals(1, listed.use());
            if (listing.contains("-id")) {
                assertEquals(ev.entry().id(), listed.id());
            }
        }
    }
}
