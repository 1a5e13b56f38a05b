package org.hftfw.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Tuple#isInverseOf} (the NAT check without building a tuple) agrees with {@code equals(inverted())}. */
class TupleInverseTest {

    @Test
    void isInverseOfIsEqualsOfTheInvertedTuple() {
        InetAddress a = InetAddress.ofLiteral("10.0.0.1");
        InetAddress b = InetAddress.ofLiteral("10.0.0.2");
        InetAddress c = InetAddress.ofLiteral("2001:db8::1");
        InetAddress d = InetAddress.ofLiteral("2001:db8::2");
        List<Tuple> tuples = new ArrayList<>();
        for (InetAddress[] pair : new InetAddress[][] {{a, b}, {b, a}, {a, a}, {c, d}, {d, c}}) {
            for (int proto : new int[] {IpProto.TCP, IpProto.UDP}) {
                tuples.add(Tuple.ports(pair[0], pair[1], proto, 1000, 443));
                tuples.add(Tuple.ports(pair[0], pair[1], proto, 443, 1000));
                tuples.add(Tuple.ports(pair[0], pair[1], proto, 1000, 1000));
            }
            int icmp = pair[0] instanceof Inet6Address ? IpProto.ICMPV6 : IpProto.ICMP;
            for (int type : new int[] {0, 8, 13, 14, 3, 128, 129}) {
                tuples.add(Tuple.icmp(pair[0], pair[1], icmp, type, 0, 7));
                tuples.add(Tuple.icmp(pair[0], pair[1], icmp, type, 1, 7));
            }
        }
        int inverse = 0;
        for (Tuple t : tuples) {
            for (Tuple u : tuples) {
                boolean expected = t.equals(u.inverted());
                assertEquals(expected, t.isInverseOf(u), t + " / " + u);
                inverse += expected ? 1 : 0;
            }
        }
        assertEquals(true, inverse > tuples.size() / 2, "the pairs include inverses: " + inverse);
    }
}
