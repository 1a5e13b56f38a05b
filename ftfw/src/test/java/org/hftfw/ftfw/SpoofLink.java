package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * The sync link the forgery lab tests attack: a primary {@code p} (.1), a backup {@code b} (.2) and a third host
 * {@code x} (.3) on one bridge in the backup's namespace, in a random 10.233.N.0/24 so parallel runs do not meet.
 */
record SpoofLink(NetnsLab.Netns p, NetnsLab.Netns b, NetnsLab.Netns x, int subnet, String net) {
    static SpoofLink create(NetnsLab lab) {
        int subnet = 2 + ThreadLocalRandom.current().nextInt(200);
        String net = "10.233." + subnet + ".";
        NetnsLab.Netns p = lab.netns("p");
        NetnsLab.Netns b = lab.netns("b");
        NetnsLab.Netns x = lab.netns("x");
        b.ip("link", "add", "sync", "type", "bridge");
        b.ip("link", "set", "sync", "up");
        lab.veth(p, "sync", b, "pp");
        lab.veth(x, "sync", b, "px");
        b.ip("link", "set", "pp", "master", "sync");
        b.ip("link", "set", "px", "master", "sync");
        p.addr("sync", net + "1/24");
        b.addr("sync", net + "2/24");
        x.addr("sync", net + "3/24");
        return new SpoofLink(p, b, x, subnet, net);
    }

    InetSocketAddress primary() {
        return new InetSocketAddress(InetAddress.ofLiteral(net + "1"), 3780);
    }

    InetSocketAddress backup() {
        return new InetSocketAddress(InetAddress.ofLiteral(net + "2"), 3780);
    }

    /** A {@code conntrack -R} file of {@code count} ESTABLISHED flows 10.234.x.y:10000+i → 10.235.0.1:80. */
    static Path loadFile(Path dir, String name, int from, int count) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            sb.append("-A -t 600 -u SEEN_REPLY,ASSURED -s 10.234.").append(i >> 8 & 0xff).append('.').append(i & 0xff)
                    .append(" -d 10.235.0.1 -p tcp --sport ").append(10000 + i).append(" --dport 80 --state ESTABLISHED\n");
        }
        Path p = dir.resolve(name + ".save");
        Files.writeString(p, sb);
        return p;
    }

    /** Sends (and releases) one forged datagram. */
    static void send(DatagramSocket s, ByteBuf d, InetSocketAddress to) throws Exception {
        byte[] bytes = ByteBufUtil.getBytes(d);
        d.release();
        s.send(new DatagramPacket(bytes, bytes.length, to));
    }
}
