package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

class KeyStatsTest {
    @Test
    void slotsAreIndependent() {
        KeyStats k = new KeyStats.V4(1L << 32 | 2, IpProto.TCP, 80);
        for (int s = 0; s < KeyStats.SLOTS; s++) {
            for (int i = 0; i <= s; i++) {
                k.observe(s, i % 2 == 0);
            }
        }
        for (int s = 0; s < KeyStats.SLOTS; s++) {
            assertEquals(s + 1, k.observed(s));
            assertEquals((s + 2) / 2, k.observedTs(s));
        }
        k.streak(7);
        assertEquals(7, k.streak());
        assertEquals(IpProto.TCP, k.l4proto());
        assertEquals(80, k.dport());
    }

    @Test
    void saturationHalvesAndKeepsTheRatio() {
        KeyStats k = new KeyStats.V4(0, IpProto.UDP, 53);
        for (int i = 0; i < 1000; i++) {
            k.observe(3, i % 4 != 0);
        }
        int t = k.observed(3);
        int v = k.observedTs(3);
        assertEquals(0.75, (double) v / t, 0.02);
        assertEquals(0, k.observed(2));
        assertEquals(0, k.observed(4));
    }

    @Test
    void equalityIgnoresCountersAndStreak() {
        Tuple t = Ev.tcp("10.0.0.1", "10.0.0.2", 1000, 443);
        KeyStats a = KnowledgeBase.probe(t);
        KeyStats b = KnowledgeBase.probe(Ev.tcp("10.0.0.1", "10.0.0.2", 2000, 443));
        b.observe(0, true);
        b.streak(3);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, KnowledgeBase.probe(Ev.tcp("10.0.0.1", "10.0.0.2", 1000, 80)));
        assertNotEquals(a, KnowledgeBase.probe(Ev.tcp("10.0.0.2", "10.0.0.1", 1000, 443)));
        KeyStats v6 = KnowledgeBase.probe(Ev.tcp("fd00::1", "fd00::2", 1000, 443));
        assertEquals(v6, KnowledgeBase.probe(Ev.tcp("fd00::1", "fd00::2", 5, 443)));
        assertNotEquals(v6, KnowledgeBase.probe(Ev.tcp("fd00::1", "fd00::3", 5, 443)));
        assertEquals("[10.0.0.1, 10.0.0.2, tcp/443]", a.toString());
    }

    @Test
    void everySlottedStateMapsBack() {
        int[] protos = {IpProto.TCP, IpProto.SCTP, IpProto.DCCP, IpProto.UDP, IpProto.ICMP, IpProto.GRE, 99};
        for (int p : protos) {
            for (int slot = 0; slot < KeyStats.SLOTS; slot++) {
                int id = StateIds.fromSlot(p, slot);
                if (id >= 0) {
                    assertEquals(slot, StateIds.slot(id), "proto " + p + " slot " + slot);
                }
            }
        }
        assertEquals("ESTABLISHED", StateIds.name(StateIds.TCP + 3));
        assertEquals(-1, StateIds.slot(StateIds.TCP));
        assertEquals(-1, StateIds.slot(StateIds.TCP + 9));
    }
}
