package org.hftfw.ftfw;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The UDP transports, unicast and multicast: one socket both sends and receives.
 *
 * <p>Unicast (conntrack-tools src/udp.c): bound to the local address and port without SO_REUSEADDR (a second daemon
 * on the same address fails to start instead of stealing the datagrams), sending to the peer's address and port.
 *
 * <p>Multicast (src/mcast.c): bound to the group address and port, so only datagrams sent to the group reach it (what
 * conntrackd 1.4.9 does; 1.4.7 bound the wildcard address), joined on the sync interface, sending to the group through
 * that interface with multicast loopback off (our own datagrams do not come back) and the TTL left at 1 (the group
 * stays on the link). conntrackd uses two sockets, one per direction; one does both here, as the group's datagrams
 * leave from the interface's address either way. conntrackd reads every sender on the group; here only the peer's
 * datagrams are read (the engine drops and counts the others), so a third node on the link cannot inject state.
 *
 * <p>Either way the socket is bound to the sync interface when one is configured (SO_BINDTODEVICE, epoll), and each
 * read buffer holds a whole datagram of the link's MTU.
 */
final class DatagramLink implements LinkSocket {

    private final Channel channel;
    private final InetSocketAddress destination;

    private DatagramLink(Channel channel, InetSocketAddress destination) {
        this.channel = channel;
        this.destination = destination;
    }

    /** The largest UDP datagram (IPv4's 16-bit total length): what a receive buffer holds. */
    static final int MAX_DATAGRAM = 65_535;

    static DatagramLink open(FtfwConfig cfg, EventLoop loop, boolean epoll, ChannelHandler inbound)
            throws InterruptedException {
        SyncTransport.Multicast mcast = cfg.link() instanceof SyncTransport.Multicast m ? m : null;
        // the group's interface is looked up here, on the caller's thread: in the sync link's network namespace
        NetworkInterface nif = mcast == null ? null : multicastInterface(cfg, mcast);
        SocketProtocolFamily family = cfg.bind().getAddress() instanceof Inet6Address
                ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        Bootstrap bs = new Bootstrap().group(loop)
                .option(ChannelOption.SO_RCVBUF, cfg.socketBuffer())
                .option(ChannelOption.SO_SNDBUF, cfg.socketBuffer())
                // Netty's default reads at most 2048 bytes and truncates larger datagrams. An allocator set as an
                // option reads one datagram per pass of the event loop (Netty gives a datagram channel's own
                // allocator 16): the reader then lags a peer's burst, and while it has not read the peer's
                // HELLO_BACK every ACK and NACK it sends carries HELLO, on which conntrackd empties its resend
                // queue, so the losses NACKed meanwhile are never resent
                // the buffer takes the largest datagram there is, not our own MTU: a peer configured with a larger
                // one (a jumbo interface, another sync.mtu) had its datagrams truncated, NACKed and resent in a storm
                // (review14 G5: 13 155 resends for 3 000 flows, 9000 against 1500); the engine logs the mismatch
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM)
                        .maxMessagesPerRead(FtfwChannel.DATAGRAMS_PER_READ))
                .handler(inbound);
        if (mcast == null) {
            bs.channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class);
        } else {
            // a socket of the group's family: an IPv4 group is not joined through an IPv6 socket
            bs.channelFactory(() -> epoll ? new EpollDatagramChannel(family) : new NioDatagramChannel(family));
        }
        // registered, bound to the device, then bound to the address: Bootstrap would only log a failure to set an
        // option, and an unbound socket must not start as if it were bound
        Channel ch = bs.register().sync().channel();
        try {
            if (!cfg.iface().isEmpty()) {
                LinkSocket.bindToDevice(ch, cfg.iface());
            }
            if (mcast == null) {
                ch.bind(cfg.bind()).sync();
                return new DatagramLink(ch, cfg.peer());
            }
            InetSocketAddress group = new InetSocketAddress(scoped(mcast.group(), nif), cfg.bind().getPort());
            setOption(ch, ChannelOption.IP_MULTICAST_LOOP_DISABLED, true);
            if (epoll && family == SocketProtocolFamily.INET6) {
                // by interface index: Netty (and the JDK) would look for one of the interface's IPv6 addresses in
                // /proc/net/if_inet6, which is the process's network namespace, not necessarily the thread's
                setOption(ch, IPV6_MULTICAST_IF, intValue(nif.getIndex()));
                ch.bind(group).sync();
                setOption(ch, IPV6_ADD_MEMBERSHIP, ipv6Mreq(mcast.group(), nif.getIndex()));
            } else {
                setOption(ch, ChannelOption.IP_MULTICAST_IF, nif);
                ch.bind(group).sync();
                ((DatagramChannel) ch).joinGroup(group, nif).sync();
            }
            return new DatagramLink(ch, group);
        } catch (InterruptedException | RuntimeException e) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** IPPROTO_IPV6 (41) IPV6_MULTICAST_IF (17): an int, the interface index. */
    private static final RawUnixChannelOption IPV6_MULTICAST_IF = new RawUnixChannelOption("IPV6_MULTICAST_IF", 41, 17, 4);
    /** IPPROTO_IPV6 (41) IPV6_ADD_MEMBERSHIP (20): struct ipv6_mreq, the group's 16 bytes and an int index. */
    private static final RawUnixChannelOption IPV6_ADD_MEMBERSHIP =
            new RawUnixChannelOption("IPV6_ADD_MEMBERSHIP", 41, 20, 20);

    private static ByteBuffer intValue(int v) {
        return ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, v);
    }

    private static ByteBuffer ipv6Mreq(InetAddress group, int index) {
        ByteBuffer b = ByteBuffer.allocateDirect(20).order(ByteOrder.nativeOrder());
        b.put(group.getAddress()).putInt(index).flip();
        return b;
    }

    private static <T> void setOption(Channel ch, ChannelOption<T> option, T value) {
        if (!ch.config().setOption(option, value)) {
            throw new IllegalStateException("the sync socket does not take " + option + " = " + value);
        }
    }

    /**
     * The interface that joins the group and sends to it: for IPv4 the one holding the local address (conntrackd's
     * {@code IPv4_interface}), else the named sync interface; for IPv6 the named one (conntrackd's {@code Interface}).
     */
    static NetworkInterface multicastInterface(FtfwConfig cfg, SyncTransport.Multicast m) {
        try {
            if (cfg.bind().getAddress() instanceof Inet4Address a) {
                NetworkInterface nif = NetworkInterface.getByInetAddress(a);
                if (nif != null) {
                    return nif;
                }
            }
            if (cfg.iface().isEmpty()) {
                throw new IllegalStateException(cfg.bind().getAddress() instanceof Inet4Address
                        ? "no interface holds the local address " + cfg.bind().getAddress().getHostAddress()
                                + " (the multicast group's interface, conntrackd's IPv4_interface)"
                        : "an IPv6 multicast group needs the sync interface's name (conntrackd's Interface, "
                                + "sync.interface)");
            }
            NetworkInterface nif = NetworkInterface.getByName(cfg.iface());
            if (nif == null) {
                throw new IllegalStateException("no sync interface " + cfg.iface() + " to join multicast group "
                        + m.group().getHostAddress() + " on");
            }
            return nif;
        } catch (SocketException e) {
            throw new IllegalStateException("cannot look up the multicast interface: " + e.getMessage(), e);
        }
    }

    /** A link-local IPv6 group carries the interface's scope: bind and send need it. */
    private static InetAddress scoped(InetAddress group, NetworkInterface nif) {
        if (group instanceof Inet6Address g && g.isMCLinkLocal()) {
            try {
                return Inet6Address.getByAddress(null, g.getAddress(), nif.getIndex());
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return group;
    }

    @Override
    public void send(ByteBuf d) {
        // a failed send is a lost datagram, which FT-FW's ack/nack recovers as it does loss on the wire
        var _ = channel.writeAndFlush(new DatagramPacket(d, destination));
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return channel.localAddress() + " -> " + destination;
    }
}
