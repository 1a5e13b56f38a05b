package org.hftfw.conntrack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A flow's hash spreads over a hash map's bins when flows differ in their ports only: the migration bench's table
 * (sources 10.235.X.10, ports 10 000-59 999, one server) used to fall into 65 536 bins at a million flows, a tree of
 * 12-20 flows in each (session 10, docs/performance.md §5).
 */
class TupleHashTest {

    @Test
    void flowsThatDifferInPortsFillTheBinsOfAHashMap() throws UnknownHostException {
        int flows = 1 << 19;
        int bits = 20;                                  // the table a HashMap grows to for that many keys
        InetAddress dst = InetAddress.getByName("10.234.2.10");
        Map<Integer, Integer> perBin = new HashMap<>();
        for (int i = 0; i < flows; i++) {
            InetAddress src = InetAddress.getByAddress(new byte[] {10, (byte) 235, (byte) (i / 50_000), 10});
            int h = new FlowId(Tuple.ports(src, dst, IpProto.TCP, 10_000 + i % 50_000, 80), 0).hashCode();
            int spread = h ^ h >>> 16;                  // HashMap's and ConcurrentHashMap's index: the low bits of it
            perBin.merge(spread & ((1 << bits) - 1), 1, Integer::sum);
        }
        int largest = perBin.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        // a random hash fills 1 - 1/e^0.5 (39 %) of the bins; a bin of 8 becomes a tree
        assertTrue(perBin.size() > (1 << bits) * 35 / 100, perBin.size() + " bins used of " + (1 << bits));
        assertTrue(largest < 8, "a bin holds " + largest + " flows");
    }
}
