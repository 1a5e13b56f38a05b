package org.hftfw.sync;

import org.hftfw.conntrack.TcpState;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.ftfw.SyncAuth;
import org.hftfw.ftfw.SyncTransport;
import org.hftfw.lazy.LazyConfig;

/**
 * What a sync node needs to know, as plain values: the binding that reads them (the sidecar's HOCON file) has
 * validated them and named every bad key. The event socket, the control socket and the metrics endpoint are the
 * process's business, not the node's, and are not here.
 *
 * @param link      the FT-FW sync link (conntrackd's {@code Sync { Mode FTFW ... UDP ... }})
 * @param lazy      the Bayes lazy replicator
 * @param filter    which flows are replicated (conntrackd's {@code Filter})
 * @param proactive the proactive path: fault predictor, policy daemon, state migrator and its hooks
 * @param backup    how a node that keeps the peer's states puts them into its kernel table
 */
public record NodeSettings(Link link, Lazy lazy, Filter filter, ProactiveSettings proactive, Backup backup) {

    public NodeSettings {
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(lazy, "lazy");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(proactive, "proactive");
        Objects.requireNonNull(backup, "backup");
    }

    /** Settings with the default backup ({@link Backup#DEFAULT}: always committed). */
    public NodeSettings(Link link, Lazy lazy, Filter filter, ProactiveSettings proactive) {
        this(link, lazy, filter, proactive, Backup.DEFAULT);
    }

    /**
     * How the peer's replicated states reach this node's kernel table ({@code sync.backup.*}).
     *
     * @param commit         {@link Commit#ALWAYS}: written as they arrive; {@link Commit#ON_TAKEOVER}: kept in the
     *                       external cache until {@code commit} (conntrackd's {@code DisableExternalCache Off})
     * @param standbyTimeout the least timeout a replicated entry gets while this node stands by, re-armed every half
     *                       of it: the primary's kernel refreshes timeouts without events, so the received timeout
     *                       says nothing about when the flow ends
     * @param takeoverGrace  at a takeover ({@code commit}) each entry's timeout becomes what the peer last reported
     *                       minus the time since, but at least this (conntrackd commits with 60 s when the remainder
     *                       is gone): a flow the primary kept alive without events survives if a packet comes within it
     */
    public record Backup(Commit commit, Duration standbyTimeout, Duration takeoverGrace) {
        /** Always committed; 5 days standby (TCP ESTABLISHED's own timeout); 60 s grace (conntrackd's fallback). */
        public static final Backup DEFAULT = new Backup(Commit.ALWAYS, Duration.ofDays(5), Duration.ofSeconds(60));

        public Backup {
            Objects.requireNonNull(commit, "commit");
            if (standbyTimeout.toSeconds() < 2 || takeoverGrace.toSeconds() < 1) {
                throw new IllegalArgumentException("standby timeout >= 2 s and takeover grace >= 1 s needed");
            }
        }

        /** The same settings with another commit mode. */
        public Backup withCommit(Commit c) {
            return new Backup(c, standbyTimeout, takeoverGrace);
        }
    }

    /** When a backup writes the peer's states into its kernel table. */
    public enum Commit {
        /** As they arrive (conntrackd's {@code DisableExternalCache On}, batched): a takeover only fixes timeouts. */
        ALWAYS,
        /** On {@code commit}, from the external cache (conntrackd's default). */
        ON_TAKEOVER
    }

    /**
     * The FT-FW sync link.
     *
     * @param local             our address on the sync link ({@code IPv4_address}) and the port we receive on
     * @param peer              the peer's address ({@code IPv4_Destination_Address}) and port
     * @param iface             the sync interface: the socket is bound to it (SO_BINDTODEVICE) and its MTU is used
     *                          when {@code mtu = auto}; may be empty
     * @param mtu               the sync link's MTU, or 0 for "read it from {@code iface}"
     * @param ackWindow         {@code ACKWindowSize}
     * @param aliveInterval     send ALIVE after this much silence
     * @param resendQueueSize   {@code ResendQueueSize}
     * @param txQueueSize       bound of the transmit queue
     * @param maxBurst          messages per transmit run
     * @param socketBuffer      UDP socket buffers ({@code SndSocketBuffer}/{@code RcvSocketBuffer})
     * @param tcpWindowTracking {@code TCPWindowTracking}
     * @param commitBatch       entries per batched create when committing
     * @param ackDelay          early ACK of received data when the window has not filled (0: conntrackd's behaviour)
     * @param startupResync     a node that keeps the peer's states (backup, both) asks the peer for its whole table
     *                          when it starts (conntrackd's {@code StartupResync}), so a restarted backup holds the
     *                          primary's table again without an operator's {@code resync}
     * @param cacheLimit        bound of the external cache ({@code HashLimit})
     * @param resyncInterval    at most one bulk send (RESYNC answer) per this interval
     * @param extensions        take part in hFT-FW's capability handshake (never used with a stock conntrackd peer)
     * @param auth              the pair's shared key ({@code sync.auth.key-file}) and {@code require}, or null
     * @param transport         what carries the messages: UDP unicast, multicast (to a group, {@code local}'s
     *                          address then names the group's interface and {@code peer} whose datagrams are read)
     *                          or TCP ({@code sync.transport})
     */
    public record Link(InetSocketAddress local, InetSocketAddress peer, String iface, int mtu, int ackWindow,
                       Duration aliveInterval, int resendQueueSize, int txQueueSize, int maxBurst, int socketBuffer,
                       boolean tcpWindowTracking, int commitBatch, Duration ackDelay, boolean startupResync,
                       int cacheLimit, Duration resyncInterval, boolean extensions, SyncAuth auth,
                       SyncTransport transport) {

        /** The link of an FT-FW channel configuration (its MTU fixed). */
        public static Link of(FtfwConfig c) {
            return new Link(c.bind(), c.peer(), c.iface(), c.mtu(), c.ackWindow(), c.aliveInterval(),
                    c.resendQueueSize(), c.txQueueSize(), c.maxBurst(), c.socketBuffer(), c.tcpWindowTracking(),
                    c.commitBatch(), c.ackDelay(), true, c.cacheLimit(), c.resyncInterval(), c.extensions(), c.auth(),
                    c.link());
        }

        /** The FT-FW channel configuration, with the MTU resolved; the socket is bound to {@code iface} if set. */
        public FtfwConfig ftfw(int resolvedMtu) {
            return FtfwConfig.builder(local, peer).mtu(resolvedMtu).ackWindow(ackWindow).aliveInterval(aliveInterval)
                    .resendQueueSize(resendQueueSize).txQueueSize(txQueueSize).maxBurst(maxBurst)
                    .socketBuffer(socketBuffer).tcpWindowTracking(tcpWindowTracking).commitBatch(commitBatch)
                    .ackDelay(ackDelay).iface(iface).cacheLimit(cacheLimit).resyncInterval(resyncInterval)
                    .extensions(extensions).auth(auth).link(transport).build();
        }
    }

    /**
     * Lazy replication.
     *
     * @param enabled    replicate through the lazy replicator (false: replicate every change, as conntrackd does)
     * @param config     the replicator's settings
     * @param modelFile  knowledge to start from (and to save on exit when {@code saveOnExit}); null for none
     * @param saveOnExit write what was learned to {@code modelFile} on a clean shutdown
     * @param tick       how often deferred sends and deadlines are swept
     */
    public record Lazy(boolean enabled, LazyConfig config, Path modelFile, boolean saveOnExit, Duration tick) {}

    /**
     * Which flows are replicated.
     *
     * @param ignoreSyncAddresses  ignore flows of the sync link's own addresses
     * @param ignoreLocalAddresses ignore flows of the firewall's own addresses (found at start)
     * @param ignore               further address ranges to ignore
     * @param protocols            L4 protocols to replicate; empty: all
     * @param tcpStates            TCP states whose changes are replicated (conntrackd's {@code State Accept}); empty:
     *                             all. A DESTROY is always replicated
     * @param accept               address ranges a flow must have (conntrackd's {@code Address Accept}): its original
     *                             source or reply source in one of them; empty: every address (the ignore lists
     *                             still apply)
     */
    public record Filter(boolean ignoreSyncAddresses, boolean ignoreLocalAddresses, List<Cidr> ignore,
                         Set<Integer> protocols, Set<TcpState> tcpStates, List<Cidr> accept) {

        public Filter {
            ignore = List.copyOf(ignore);
            accept = List.copyOf(accept);
        }

        /** A filter without an accept list. */
        public Filter(boolean ignoreSyncAddresses, boolean ignoreLocalAddresses, List<Cidr> ignore,
                      Set<Integer> protocols, Set<TcpState> tcpStates) {
            this(ignoreSyncAddresses, ignoreLocalAddresses, ignore, protocols, tcpStates, List.of());
        }

        /** A filter without a TCP state list (every state of an accepted flow is replicated). */
        public Filter(boolean ignoreSyncAddresses, boolean ignoreLocalAddresses, List<Cidr> ignore,
                      Set<Integer> protocols) {
            this(ignoreSyncAddresses, ignoreLocalAddresses, ignore, protocols, Set.of());
        }

        /** Replicates every flow: for a table that is not this host's (a replayed capture). */
        public static Filter acceptAll() {
            return new Filter(false, false, List.of(), Set.of(), Set.of());
        }
    }
}
