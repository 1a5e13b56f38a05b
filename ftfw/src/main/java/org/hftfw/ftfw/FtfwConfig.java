package org.hftfw.ftfw;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of an FT-FW channel. Defaults follow conntrackd ({@code src/read_config_yy.y} {@code init_config},
 * src/sync-ftfw.c): ACK window 300, resend queue 131072, alive interval 1 s, MTU 1500 (datagrams of at most
 * MTU - 28 bytes, as the UDP channel's buffer). One addition: an ACK {@code ackDelay} (20 ms) after data arrived if
 * the window has not filled by then.
 *
 * @param bind              local address and port to receive on ({@code IPv4_address} + {@code Port})
 * @param peer              where to send ({@code IPv4_Destination_Address} + {@code Port})
 * @param mtu               MTU of the sync link; the datagram buffer is {@code mtu - 28} (TCP: {@code mtu - 40})
 * @param ackWindow         ACK after this many accepted messages ({@code ACKWindowSize})
 * @param aliveInterval     send ALIVE (or the pending ACK) after this much transmit silence
 * @param resendQueueSize   bound of the resend queue ({@code ResendQueueSize}); the oldest entry goes when full
 * @param txQueueSize       bound of the transmit queue (conntrackd: unbounded); the oldest entry goes when full
 * @param maxBurst          messages per transmit run before yielding to the event loop
 * @param tcpWindowTracking send WSCALE and do not force BE_LIBERAL on commit ({@code TCPWindowTracking})
 * @param omitTimeout       do not send NTA_TIMEOUT (what a conntrackd with {@code CommitTimeout} does)
 * @param commitBatch       entries per {@code createAll} call when committing the external cache
 * @param socketBuffer      SO_RCVBUF/SO_SNDBUF in bytes
 * @param transport         which Netty transport to use
 * @param udpChecksum       conntrackd's {@code Checksum}; only {@code true} is supported: turning the UDP checksum
 *                          off needs SO_NO_CHECK, which the JDK and Netty do not expose, and the kernel's checksum
 *                          is cheap (offloaded on real NICs, skipped on veth)
 * @param ackDelay          also ACK what was received once this long has passed without the window filling (zero:
 *                          only on the window and the alive timer, as conntrackd does). An extra ACK is always valid
 *                          FT-FW; it lets a sender learn within milliseconds, not a second, that the tail of a bulk
 *                          send arrived, which is what a migration waits for
 * @param iface             the sync interface ({@code Interface}); when not empty the socket is bound to it
 *                          (SO_BINDTODEVICE, epoll transport only), so datagrams arriving on another interface are
 *                          not read
 * @param cacheLimit        bound of the external cache ({@code HashLimit}, conntrackd's default 262144): a NEW or
 *                          UPD of an unknown flow beyond it is dropped and counted
 * @param resyncInterval    a peer's RESYNC requests are answered at most once per this interval; the requests in
 *                          between are coalesced into the next answer
 * @param extensions        take part in hFT-FW's capability handshake ({@link Capability}); false: a plain
 *                          conntrackd-compatible node that never sends an extension message
 * @param auth              the shared key of an authenticated pair, or null (no authentication)
 * @param link              what carries the messages ({@link SyncTransport}): UDP unicast (the default), multicast or
 *                          TCP; with multicast, {@code peer} is still the peer's own address (only its datagrams are
 *                          read) and the port of {@code bind} is the group's
 */
public record FtfwConfig(InetSocketAddress bind, InetSocketAddress peer, int mtu, int ackWindow,
                         Duration aliveInterval, int resendQueueSize, int txQueueSize, int maxBurst,
                         boolean tcpWindowTracking, boolean omitTimeout, int commitBatch, int socketBuffer,
                         Transport transport, boolean udpChecksum, Duration ackDelay, String iface, int cacheLimit,
                         Duration resyncInterval, boolean extensions, SyncAuth auth, SyncTransport link) {

    /** Netty transport choice; AUTO uses epoll when available. */
    public enum Transport { AUTO, NIO, EPOLL }

    public FtfwConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(aliveInterval, "aliveInterval");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(ackDelay, "ackDelay");
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(resyncInterval, "resyncInterval");
        Objects.requireNonNull(link, "link");
        if (link instanceof SyncTransport.Multicast m) {
            check(m.group().getClass() == bind.getAddress().getClass(),
                    "the multicast group " + m.group().getHostAddress() + " and the local address "
                            + bind.getAddress().getHostAddress() + " must be of the same family");
        }
        check(!resyncInterval.isNegative(), "resyncInterval must be >= 0");
        check(auth == null || extensions, "authentication needs the hFT-FW extensions (its handshake)");
        check(cacheLimit >= 1, "cacheLimit must be >= 1: " + cacheLimit);
        check(iface.isEmpty() || transport != Transport.NIO,
                "binding to interface " + iface + " (SO_BINDTODEVICE) needs the epoll transport");
        check(!ackDelay.isNegative(), "ackDelay must be >= 0");
        check(mtu >= 128 && mtu <= 65535, "mtu must be in 128..65535: " + mtu);
        check(ackWindow >= 1, "ackWindow must be >= 1: " + ackWindow);
        check(!aliveInterval.isNegative() && !aliveInterval.isZero(), "aliveInterval must be > 0");
        check(resendQueueSize >= 1, "resendQueueSize must be >= 1");
        check(txQueueSize >= 1, "txQueueSize must be >= 1");
        check(maxBurst >= 1, "maxBurst must be >= 1");
        check(commitBatch >= 1, "commitBatch must be >= 1");
        check(socketBuffer >= 4096, "socketBuffer must be >= 4096");
        check(udpChecksum, "udpChecksum=false (SO_NO_CHECK) is not supported by the JDK/Netty socket API");
    }

    private static void check(boolean ok, String msg) {
        if (!ok) {
            throw new IllegalArgumentException(msg);
        }
    }

    /** conntrackd's defaults for the given addresses. */
    public static FtfwConfig of(InetSocketAddress bind, InetSocketAddress peer) {
        return builder(bind, peer).build();
    }

    public static Builder builder(InetSocketAddress bind, InetSocketAddress peer) {
        return new Builder(bind, peer);
    }

    /** Payload bound of one datagram (or TCP buffer): MTU minus IPv4 and UDP (TCP: 40) header bytes, as conntrackd. */
    public int datagramSize() {
        return link.payloadSize(mtu);
    }

    /**
     * How far a sequence number may be from the expected one, ahead or behind, and still be believed without HELLO:
     * the resend queue bound. A real gap is at most what the peer can still resend (its resend queue, configured
     * like ours) plus what is in flight; a replay older than that was acknowledged long ago.
     */
    public int maxSeqJump() {
        return resendQueueSize;
    }

    /** Builder with conntrackd's defaults. */
    public static final class Builder {
        private final InetSocketAddress bind;
        private final InetSocketAddress peer;
        private int mtu = 1500;
        private int ackWindow = 300;
        private Duration aliveInterval = Duration.ofSeconds(1);
        private int resendQueueSize = 131072;
        private int txQueueSize = 1 << 20;
        private int maxBurst = 4096;
        private boolean tcpWindowTracking;
        private boolean omitTimeout;
        private int commitBatch = 8192;
        private int socketBuffer = 4 << 20;
        private Transport transport = Transport.AUTO;
        private Duration ackDelay = Duration.ofMillis(20);
        private String iface = "";
        private int cacheLimit = 262_144;
        private Duration resyncInterval = Duration.ofSeconds(1);
        private boolean extensions = true;
        private SyncAuth auth;
        private SyncTransport link = SyncTransport.udp();

        Builder(InetSocketAddress bind, InetSocketAddress peer) {
            this.bind = bind;
            this.peer = peer;
        }

        public Builder mtu(int v) { mtu = v; return this; }
        public Builder ackWindow(int v) { ackWindow = v; return this; }
        public Builder aliveInterval(Duration v) { aliveInterval = v; return this; }
        public Builder resendQueueSize(int v) { resendQueueSize = v; return this; }
        public Builder txQueueSize(int v) { txQueueSize = v; return this; }
        public Builder maxBurst(int v) { maxBurst = v; return this; }
        public Builder tcpWindowTracking(boolean v) { tcpWindowTracking = v; return this; }
        public Builder omitTimeout(boolean v) { omitTimeout = v; return this; }
        public Builder commitBatch(int v) { commitBatch = v; return this; }
        public Builder socketBuffer(int v) { socketBuffer = v; return this; }
        public Builder transport(Transport v) { transport = v; return this; }
        public Builder ackDelay(Duration v) { ackDelay = v; return this; }
        public Builder iface(String v) { iface = v; return this; }
        public Builder cacheLimit(int v) { cacheLimit = v; return this; }
        public Builder resyncInterval(Duration v) { resyncInterval = v; return this; }
        public Builder extensions(boolean v) { extensions = v; return this; }
        /** The pair's shared key (null: none). */
        public Builder auth(SyncAuth v) { auth = v; return this; }
        /** What carries the messages (default UDP unicast). */
        public Builder link(SyncTransport v) { link = v; return this; }

        public FtfwConfig build() {
            return new FtfwConfig(bind, peer, mtu, ackWindow, aliveInterval, resendQueueSize, txQueueSize, maxBurst,
                    tcpWindowTracking, omitTimeout, commitBatch, socketBuffer, transport, true, ackDelay, iface, cacheLimit,
                    resyncInterval, extensions, auth, link);
        }
    }
}
