package org.hftfw.sidecar.sync;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.hftfw.conntrack.IpProto;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.hftfw.common.InvalidConfigException;

/**
 * The sync daemon's configuration, read from HOCON (see {@code conf/hftfw.conf}, which documents every key). Every
 * problem is collected and reported together, each naming its key ({@code sync.port must be in 1..65535, got 0}),
 * so an operator fixes a file in one pass.
 *
 * @param link     the FT-FW sync link (conntrackd's {@code Sync { Mode FTFW ... UDP ... }})
 * @param events   the kernel event socket
 * @param lazy     the Bayes lazy replicator
 * @param filter   which flows are replicated (conntrackd's {@code Filter})
 * @param control  the control socket (conntrackd's {@code UNIX { Path }})
 * @param metrics  the Prometheus endpoint
 * @param proactive the proactive path: fault predictor, policy daemon, state migrator and its hooks
 */
record SyncSettings(Link link, Events events, Lazy lazy, Filter filter, Control control, Metrics metrics,
                    ProactiveSettings proactive) {

    /**
     * @param local             our address on the sync link ({@code IPv4_address}) and the port we receive on
     * @param peer              the peer's address ({@code IPv4_Destination_Address}) and port
     * @param iface             the sync interface, used to find the MTU when {@code mtu = auto}; may be empty
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
     */
    record Link(InetSocketAddress local, InetSocketAddress peer, String iface, int mtu, int ackWindow,
                Duration aliveInterval, int resendQueueSize, int txQueueSize, int maxBurst, int socketBuffer,
                boolean tcpWindowTracking, int commitBatch, Duration ackDelay) {

        /** The FT-FW channel configuration, with the MTU resolved. */
        FtfwConfig ftfw(int resolvedMtu) {
            return FtfwConfig.builder(local, peer).mtu(resolvedMtu).ackWindow(ackWindow).aliveInterval(aliveInterval)
                    .resendQueueSize(resendQueueSize).txQueueSize(txQueueSize).maxBurst(maxBurst)
                    .socketBuffer(socketBuffer).tcpWindowTracking(tcpWindowTracking).commitBatch(commitBatch)
                    .ackDelay(ackDelay).build();
        }
    }

    /** @param bufferBytes event socket receive buffer; @param reliableDestroy NetlinkEventsReliable */
    record Events(int bufferBytes, boolean reliableDestroy) {}

    /**
     * @param enabled    replicate through the lazy replicator (false: replicate every change, as conntrackd does)
     * @param config     the replicator's settings
     * @param modelFile  knowledge to start from (and to save on exit when {@code saveOnExit}); null for none
     * @param saveOnExit write what was learned to {@code modelFile} on a clean shutdown
     * @param tick       how often deferred sends and deadlines are swept
     */
    record Lazy(boolean enabled, LazyConfig config, Path modelFile, boolean saveOnExit, Duration tick) {}

    /**
     * @param ignoreSyncAddresses  ignore flows of the sync link's own addresses
     * @param ignoreLocalAddresses ignore flows of the firewall's own addresses (found at start)
     * @param ignore               further address ranges to ignore
     * @param protocols            L4 protocols to replicate; empty: all
     */
    record Filter(boolean ignoreSyncAddresses, boolean ignoreLocalAddresses, List<Cidr> ignore, Set<Integer> protocols) {}

    record Control(Path socket) {}

    record Metrics(boolean enabled, InetSocketAddress address) {}

    /** Built-in defaults: conntrackd's where it has one. A config file only needs the sync link's addresses. */
    static final String DEFAULTS = """
            sync {
              local-address = ""
              peer-address = ""
              port = 3780
              interface = ""
              mtu = 1500
              ack-window = 300
              alive-interval = 1s
              ack-delay = 20ms
              resend-queue-size = 131072
              tx-queue-size = 1048576
              max-burst = 4096
              socket-buffer = 4MiB
              tcp-window-tracking = false
              commit-batch = 8192
            }
            events { buffer = 16MiB, reliable-destroy = false }
            lazy {
              enabled = false
              barrier = 0.125
              latency = 100ms
              mode = drop
              max-failing-predictions = 3
              min-observations = 5
              max-keys = 1000000
              key-idle-expiry = 1h
              max-flows = 1000000
              flow-idle-expiry = 5d
              learning = true
              model-file = ""
              save-on-exit = false
              tick = 20ms
            }
            filter {
              ignore-sync-addresses = true
              ignore-local-addresses = true
              ignore-addresses = ["127.0.0.0/8", "::1/128"]
              protocols = [tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre]
            }
            control.socket = "/run/hftfw/sync.ctl"
            metrics { enabled = true, address = "127.0.0.1:9477" }
            """ + ProactiveSettings.DEFAULTS;

    static Config defaults() {
        return ConfigFactory.parseString(DEFAULTS);
    }

    /** Maps a resolved config (file over {@link #defaults()}); relative paths are taken from {@code baseDir}. */
    static SyncSettings from(Config c, Path baseDir) {
        Reader r = new Reader(c, baseDir);
        SyncSettings s = new SyncSettings(r.link(), r.events(), r.lazy(), r.filter(),
                new Control(r.path("control.socket", false)), r.metrics(), ProactiveSettings.read(r));
        if (!r.problems.isEmpty()) {
            throw new InvalidConfigException(String.join("; ", r.problems));
        }
        return s;
    }

    /** Reads keys one by one, collecting every problem instead of stopping at the first. */
    static final class Reader {
        final Config c;
        private final Path baseDir;
        final List<String> problems = new ArrayList<>();

        Reader(Config c, Path baseDir) {
            this.c = c;
            this.baseDir = baseDir;
        }

        <T> T get(String key, Supplier<T> read, T fallback) {
            try {
                return read.get();
            } catch (ConfigException.Missing e) {
                problems.add(key + " is missing");
            } catch (ConfigException e) {
                String m = e.getMessage();
                int colon = m.indexOf(": ");
                problems.add(key + ": " + (m.contains(key) || colon < 0 ? m : m.substring(colon + 2)));
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                problems.add(key + ": " + e.getMessage());
            }
            return fallback;
        }

        int intIn(String key, int min, int max) {
            int v = get(key, () -> c.getInt(key), min);
            if (v < min || v > max) {
                problems.add(key + " must be in " + min + ".." + max + ", got " + v);
            }
            return v;
        }

        long longAtLeast(String key, long min) {
            long v = get(key, () -> c.getLong(key), min);
            if (v < min) {
                problems.add(key + " must be at least " + min + ", got " + v);
            }
            return v;
        }

        int bytes(String key, long min, long max) {
            long v = get(key, () -> c.getBytes(key), min);
            if (v < min || v > max) {
                problems.add(key + " must be in " + min + ".." + max + " bytes, got " + v);
                return (int) min;
            }
            return (int) v;
        }

        Duration positive(String key) {
            Duration d = get(key, () -> c.getDuration(key), Duration.ofSeconds(1));
            if (d.isNegative() || d.isZero()) {
                problems.add(key + " must be a positive duration, got " + c.getValue(key).unwrapped());
                return Duration.ofSeconds(1);
            }
            return d;
        }

        Duration nonNegative(String key) {
            Duration d = get(key, () -> c.getDuration(key), Duration.ZERO);
            if (d.isNegative()) {
                problems.add(key + " must not be negative, got " + c.getValue(key).unwrapped());
                return Duration.ZERO;
            }
            return d;
        }

        boolean bool(String key) {
            return get(key, () -> c.getBoolean(key), false);
        }

        String string(String key) {
            return get(key, () -> c.getString(key), "");
        }

        InetAddress address(String key) {
            String s = string(key).trim();
            if (s.isEmpty()) {
                problems.add(key + " is required (an IPv4 or IPv6 address literal)");
                return null;
            }
            try {
                return InetAddress.ofLiteral(s);
            } catch (IllegalArgumentException e) {
                problems.add(key + " must be an IP address literal, got '" + s + "'");
                return null;
            }
        }

        Path path(String key, boolean optional) {
            String s = string(key).trim();
            if (s.isEmpty()) {
                if (!optional) {
                    problems.add(key + " is required (a file path)");
                }
                return null;
            }
            Path p = Path.of(s);
            return p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p);
        }

        Link link() {
            InetAddress local = address("sync.local-address");
            InetAddress peer = address("sync.peer-address");
            if (local != null && peer != null && local.getClass() != peer.getClass()) {
                problems.add("sync.local-address and sync.peer-address must be of the same family");
            }
            int port = intIn("sync.port", 1, 65535);
            String iface = string("sync.interface").trim();
            int mtu = 0;
            if (c.hasPath("sync.mtu") && c.getValue("sync.mtu").valueType() == ConfigValueType.STRING
                    && "auto".equalsIgnoreCase(c.getString("sync.mtu").trim())) {
                if (iface.isEmpty()) {
                    problems.add("sync.mtu = auto needs sync.interface (whose MTU to use)");
                }
            } else {
                mtu = intIn("sync.mtu", 128, 65535);
            }
            InetSocketAddress l = local == null ? null : new InetSocketAddress(local, port);
            InetSocketAddress p = peer == null ? null : new InetSocketAddress(peer, port);
            return new Link(l, p, iface, mtu, intIn("sync.ack-window", 1, 1 << 20), positive("sync.alive-interval"),
                    intIn("sync.resend-queue-size", 1, 1 << 26), intIn("sync.tx-queue-size", 1, 1 << 26),
                    intIn("sync.max-burst", 1, 1 << 20), bytes("sync.socket-buffer", 4096, 1 << 30),
                    bool("sync.tcp-window-tracking"), intIn("sync.commit-batch", 1, 1 << 20),
                    nonNegative("sync.ack-delay"));
        }

        Events events() {
            return new Events(bytes("events.buffer", 4096, 1 << 30), bool("events.reliable-destroy"));
        }

        Lazy lazy() {
            String modeText = string("lazy.mode").trim().toLowerCase(Locale.ROOT);
            Mode mode = switch (modeText) {
                case "drop" -> Mode.DROP;
                case "defer" -> Mode.DEFER;
                default -> {
                    problems.add("lazy.mode must be drop or defer, got '" + modeText + "'");
                    yield Mode.DROP;
                }
            };
            LazyConfig lc = new LazyConfig(get("lazy.barrier", () -> c.getDouble("lazy.barrier"), 0.125),
                    positive("lazy.latency"), mode,
                    get("lazy.max-failing-predictions", () -> c.getInt("lazy.max-failing-predictions"), 3),
                    get("lazy.min-observations", () -> c.getInt("lazy.min-observations"), 5),
                    get("lazy.max-keys", () -> c.getLong("lazy.max-keys"), 1L),
                    positive("lazy.key-idle-expiry"),
                    get("lazy.max-flows", () -> c.getLong("lazy.max-flows"), 1L),
                    positive("lazy.flow-idle-expiry"), bool("lazy.learning"));
            for (String p : lc.problems()) {
                problems.add("lazy." + p);
            }
            Path model = path("lazy.model-file", true);
            boolean save = bool("lazy.save-on-exit");
            if (save && model == null) {
                problems.add("lazy.save-on-exit = true needs lazy.model-file");
            }
            return new Lazy(bool("lazy.enabled"), lc, model, save, positive("lazy.tick"));
        }

        Filter filter() {
            List<Cidr> ignore = new ArrayList<>();
            for (String s : get("filter.ignore-addresses", () -> c.getStringList("filter.ignore-addresses"),
                    List.<String>of())) {
                try {
                    ignore.add(Cidr.parse(s));
                } catch (IllegalArgumentException e) {
                    problems.add("filter.ignore-addresses: " + e.getMessage());
                }
            }
            Set<Integer> protocols = new LinkedHashSet<>();
            for (String s : get("filter.protocols", () -> c.getStringList("filter.protocols"), List.<String>of())) {
                int p = IpProto.parse(s.trim());
                if (p < 0) {
                    problems.add("filter.protocols: unknown protocol '" + s + "' (a name such as tcp, udp, icmp, "
                            + "or a number 0..255)");
                } else {
                    protocols.add(p);
                }
            }
            return new Filter(bool("filter.ignore-sync-addresses"), bool("filter.ignore-local-addresses"),
                    List.copyOf(ignore), Set.copyOf(protocols));
        }

        Metrics metrics() {
            boolean on = bool("metrics.enabled");
            String a = string("metrics.address").trim();
            int colon = a.lastIndexOf(':');
            if (!on) {
                return new Metrics(false, null);
            }
            try {
                if (colon <= 0) {
                    throw new IllegalArgumentException("no port");
                }
                String host = a.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = Integer.parseInt(a.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException("port out of range");
                }
                return new Metrics(true, new InetSocketAddress(InetAddress.ofLiteral(host), port));
            } catch (IllegalArgumentException e) {
                problems.add("metrics.address must be ADDRESS:PORT with an IP literal (e.g. 127.0.0.1:9477 or "
                        + "[::1]:9477), got '" + a + "'");
                return new Metrics(false, null);
            }
        }
    }
}
