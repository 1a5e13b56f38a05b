package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.RawUnixChannelOption;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The socket side of an {@link FtfwChannel}, one per {@link SyncTransport}: it sends the engine's buffers to the peer
 * and hands what it receives, with the sender's address, to the {@link EngineInboundHandler} on the event loop. Opened
 * on the thread that builds the channel (in the sync link's network namespace), used on the event loop.
 */
sealed interface LinkSocket permits DatagramLink, TcpLink {

    /** Sends one buffer of whole messages (released here); a failure is a loss, which FT-FW recovers. */
    void send(ByteBuf d);

    /** Where this node receives. */
    InetSocketAddress localAddress();

    /** Closes the sockets, waiting a bounded time. */
    void close();

    /**
     * The TCP transport's two connections (on the event loop); null for the datagram transports, which have none.
     */
    default FtfwChannel.TcpConnections connections() {
        return null;
    }

    /** Opens the socket(s) of {@code cfg.link()}, bound (and, for multicast, joined) before it returns. */
    static LinkSocket open(FtfwConfig cfg, EventLoop loop, boolean epoll, EngineInboundHandler inbound)
            throws InterruptedException {
        return switch (cfg.link()) {
            case SyncTransport.Udp _, SyncTransport.Multicast _ -> DatagramLink.open(cfg, loop, epoll, inbound);
            case SyncTransport.Tcp _ -> TcpLink.open(cfg, loop, epoll, inbound);
        };
    }

    /** SO_BINDTODEVICE (SOL_SOCKET 1, optname 25): the value is the interface name, NUL-padded to IFNAMSIZ (16). */
    RawUnixChannelOption BIND_TO_DEVICE = new RawUnixChannelOption("SO_BINDTODEVICE", 1, 25, 16);

    /** Binds {@code channel} (registered, not yet bound) to the sync interface: only its packets are read. */
    static void bindToDevice(Channel channel, String iface) {
        try {
            channel.config().setOption(BIND_TO_DEVICE, ifaceName(iface));
        } catch (RuntimeException e) {
            throw new DeviceBindFailure(iface, e);
        }
    }

    private static ByteBuffer ifaceName(String iface) {
        byte[] name = iface.getBytes(StandardCharsets.US_ASCII);
        if (name.length > 15) {
            throw new IllegalArgumentException("interface name longer than 15 characters: " + iface);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(16);
        b.put(name).position(0);
        return b;
    }

    static boolean isAddressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** A failed SO_BINDTODEVICE, reported as it is (not as a failure to start in general). */
    final class DeviceBindFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        DeviceBindFailure(String iface, RuntimeException cause) {
            super("cannot bind the sync socket to interface " + iface + " (SO_BINDTODEVICE): " + cause.getMessage(),
                    cause);
        }
    }
}
