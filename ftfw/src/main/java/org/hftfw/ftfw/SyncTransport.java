package org.hftfw.ftfw;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What carries the FT-FW messages between the two nodes: conntrackd's three channel kinds (conntrack-tools
 * src/channel_udp.c, src/channel_mcast.c, src/channel_tcp.c). The messages and the protocol are the same on each;
 * only the socket differs. Every kind hears only the configured peer: a datagram or connection from any other address
 * is dropped and counted ({@link DropReason#NOT_PEER}).
 */
public sealed interface SyncTransport {

    /** Unicast UDP to the peer's address (conntrackd's {@code UDP} section): the default. */
    static SyncTransport udp() {
        return new Udp();
    }

    /** A TCP connection to the peer (conntrackd's {@code TCP} section). */
    static SyncTransport tcp() {
        return new Tcp();
    }

    /** Unicast UDP datagrams, each of at most MTU - 28 bytes. */
    record Udp() implements SyncTransport {}

    /**
     * UDP datagrams to a multicast group (conntrackd's {@code Multicast} section): the socket is bound to the group
     * and the channel's port, joins the group on the sync interface (IPv4: the one holding the local address, as
     * conntrackd's {@code IPv4_interface}; IPv6: the named {@code Interface}), sends through that interface, with
     * multicast loopback off and the TTL (hop limit) left at 1, as conntrackd leaves them.
     *
     * @param group the group address ({@code IPv4_address} or {@code IPv6_address} of the Multicast section)
     */
    record Multicast(InetAddress group) implements SyncTransport {
        public Multicast {
            Objects.requireNonNull(group, "group");
            if (!group.isMulticastAddress()) {
                throw new IllegalArgumentException("not a multicast group: " + group.getHostAddress());
            }
        }
    }

    /**
     * A stream of FT-FW messages over TCP, as conntrackd sends them: each node connects to the peer's address and
     * port to send, and accepts the peer's connection on its own address and port to receive; a connection that
     * fails is made again (at most once a second). Segments carry whole buffers of at most MTU - 40 bytes.
     */
    record Tcp() implements SyncTransport {}

    /** The payload bound of one buffer on a link of this {@code mtu}: conntrackd's {@code headersiz} per channel. */
    default int payloadSize(int mtu) {
        return switch (this) {
            case Udp _, Multicast _ -> mtu - 28;
            case Tcp _ -> mtu - 40;
        };
    }

    /** The name in logs and in {@code sync.transport}. */
    default String describe() {
        return switch (this) {
            case Udp _ -> "udp";
            case Multicast m -> "multicast " + m.group().getHostAddress();
            case Tcp _ -> "tcp";
        };
    }
}
