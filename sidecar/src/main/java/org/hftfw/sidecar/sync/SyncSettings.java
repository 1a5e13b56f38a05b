package org.hftfw.sidecar.sync;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.TcpState;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.ftfw.SyncAuth;
import org.hftfw.ftfw.SyncTransport;
import org.hftfw.sync.Cidr;
import org.hftfw.sync.ExpectationSync;
import org.hftfw.sync.NodeSettings;

/**
 * The sync daemon's configuration, read from HOCON (see {@code conf/hftfw.conf}, which documents every key): the
 * node's settings ({@link NodeSettings}: sync link, lazy replicator, filter, proactive path) and the process's own
 * (event socket, control socket, metrics endpoint). Every problem is collected and reported together, each naming its
 * key ({@code sync.port must be in 1..65535, got 0}), so an operator fixes a file in one pass.
 *
 * @param node    what the sync node runs with
 * @param events  the kernel event socket
 * @param control the control socket (conntrackd's {@code UNIX { Path }})
 * @param metrics the Prometheus endpoint
 * @param log     log levels (reloadable)
 * @param expectations which local expectations are replicated ({@code sync.expectation-sync}; conntrackd's
 *                     {@code ExpectationSync}); the peer's are applied whatever it says
 */
record SyncSettings(NodeSettings node, Events events, Control control, Metrics metrics, Log log,
                    ExpectationSync expectations) {

    /**
     * The kernel event socket.
     *
     * @param bufferBytes     event socket receive buffer (NetlinkBufferSize)
     * @param bufferMaxBytes  how far overruns may double it (NetlinkBufferSizeMaxGrowth)
     * @param reliableDestroy NetlinkEventsReliable
     * @param readerNice      the event reading thread's nice value; empty: the process's ({@code inherit})
     */
    record Events(int bufferBytes, int bufferMaxBytes, boolean reliableDestroy, OptionalInt readerNice) {}

    /**
     * The control socket, where hftfw's commands and a stock conntrackd client's requests are served.
     *
     * @param socket       its path (conntrackd's {@code UNIX { Path }})
     * @param purgeTimeout how long after {@code conntrackd -t} the replicated kernel flows are flushed
     *                     (conntrackd's {@code PurgeTimeout})
     * @param resyncFile   keepalived's track file that holds 1 from this daemon's start until the node holds its
     *                     peer's table, then 0 ({@link ResyncTrackFile}); null for none
     */
    record Control(Path socket, Duration purgeTimeout, Path resyncFile) {}

    record Metrics(boolean enabled, InetSocketAddress address) {}

    /**
     * Log levels.
     *
     * @param level      the root level, upper case; "" keeps the process's (INFO, or -Dhftfw.log.level)
     * @param components logger name (a package or class) to its level, upper case
     * @param syslog     the syslog daemon's socket each line also goes to ("" for none), e.g. /dev/log
     * @param facility   the syslog facility, lower case
     */
    record Log(String level, java.util.Map<String, String> components, String syslog, String facility) {}

    /** Where the control socket is unless the file says otherwise (also read by {@link ControlSocketLookup}). */
    static final String DEFAULT_CONTROL_SOCKET = "/run/hftfw/sync.ctl";

    /** Built-in defaults: conntrackd's where it has one. A config file only needs the sync link's addresses. */
    static final String DEFAULTS = """
            sync {
              transport = udp
              multicast-group = ""
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
              startup-resync = true
              external-cache-limit = 262144
              resync-interval = 1s
              extensions = true
              auth { key-file = "", require = false }
              backup { commit = always, standby-timeout = 5d, takeover-grace = 60s }
              expectation-sync = off
            }
            events { buffer = 64MiB, buffer-max-growth = 128MiB, reliable-destroy = false, reader-nice = -10 }
            lazy {
              enabled = false
              barrier = 0.125
              latency = 100ms
              mode = defer
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
              tcp-states = []
              accept-addresses = []
            }
            metrics { enabled = true, address = "127.0.0.1:9477" }
            log { level = "", components {}, syslog = "", syslog-facility = daemon }
            """ + "control { socket = \"" + DEFAULT_CONTROL_SOCKET + "\", purge-timeout = 60s, resync-file = \"\" }\n" + ProactiveBinding.DEFAULTS;

    /**
     * Sections whose keys their own reader checks, not the defaults' key list: PolicyConfig knows the policy's, and
     * log.components is keyed by logger names the operator picks (their levels are checked when read).
     */
    static final Set<String> CHECKED_ELSEWHERE = Set.of("policy", "log.components");

    static Config defaults() {
        return ConfigFactory.parseString(DEFAULTS);
    }

    /** Maps a resolved config (file over {@link #defaults()}); relative paths are taken from {@code baseDir}. */
    static SyncSettings from(Config c, Path baseDir) {
        Reader r = new Reader(c, baseDir);
        NodeSettings node = new NodeSettings(r.link(), r.lazy(), r.filter(), ProactiveBinding.read(r), r.backup());
        SyncSettings s = new SyncSettings(node, r.events(), new Control(r.path("control.socket", false),
                r.positive("control.purge-timeout"), r.path("control.resync-file", true)), r.metrics(), r.log(), r.expectationSync());
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

        NodeSettings.Link link() {
            SyncTransport transport = transport();
            boolean mcast = transport instanceof SyncTransport.Multicast;
            // a multicast node needs no local address for IPv6 (the interface names the group's); IPv4 uses it to
            // find the interface, as conntrackd's IPv4_interface
            boolean noLocal = transport instanceof SyncTransport.Multicast g && g.group() instanceof Inet6Address
                    && string("sync.local-address").isBlank();
            InetAddress local = noLocal ? InetAddress.ofLiteral("::") : address("sync.local-address");
            InetAddress peer;
            if (mcast && string("sync.peer-address").isBlank()) {
                problems.add("sync.peer-address is required with sync.transport = multicast: the peer's own address "
                        + "on the sync link (only its datagrams to the group are read, and a conntrackd.conf has no "
                        + "key for it: set it in the hftfw.conf beside it)");
                peer = null;
            } else {
                peer = address("sync.peer-address");
            }
            if (local != null && peer != null && local.getClass() != peer.getClass()) {
                problems.add("sync.local-address and sync.peer-address must be of the same family");
            }
            if (!noLocal) {
                unicast("sync.local-address", local);
            }
            unicast("sync.peer-address", peer);
            if (local != null && local.equals(peer)) {
                problems.add("sync.peer-address must not be sync.local-address (" + local.getHostAddress() + ")");
            }
            if (transport instanceof SyncTransport.Multicast m) {
                if (peer != null && m.group().getClass() != peer.getClass()) {
                    problems.add("sync.multicast-group " + m.group().getHostAddress() + " and sync.peer-address "
                            + peer.getHostAddress() + " must be of the same family");
                }
                if (m.group() instanceof Inet6Address && string("sync.interface").isBlank()) {
                    problems.add("sync.transport = multicast with an IPv6 group needs sync.interface (the interface "
                            + "that joins it, conntrackd's Interface)");
                }
            }
            int port = intIn("sync.port", 1, 65535);
            String iface = string("sync.interface").trim();
            if (iface.length() > 15 || iface.contains("/") || iface.chars().anyMatch(Character::isWhitespace)) {
                problems.add("sync.interface must be an interface name of at most 15 characters, got '" + iface + "'");
            }
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
            return new NodeSettings.Link(l, p, iface, mtu, intIn("sync.ack-window", 1, 1 << 20), positive("sync.alive-interval"),
                    intIn("sync.resend-queue-size", 1, 1 << 26), intIn("sync.tx-queue-size", 1, 1 << 26),
                    intIn("sync.max-burst", 1, 1 << 20), bytes("sync.socket-buffer", 4096, 1 << 30),
                    bool("sync.tcp-window-tracking"), intIn("sync.commit-batch", 1, 1 << 20),
                    nonNegative("sync.ack-delay"), bool("sync.startup-resync"),
                    intIn("sync.external-cache-limit", 1, 1 << 30), nonNegative("sync.resync-interval"),
                    bool("sync.extensions"), auth(), transport);
        }

        /** {@code sync.transport} and, for multicast, its {@code sync.multicast-group}. */
        SyncTransport transport() {
            String kind = string("sync.transport").trim().toLowerCase(Locale.ROOT);
            String group = string("sync.multicast-group").trim();
            if (!kind.equals("multicast") && !group.isEmpty()) {
                problems.add("sync.multicast-group is set but sync.transport is " + kind + " (set sync.transport = "
                        + "multicast, or remove the group)");
            }
            return switch (kind) {
                case "udp" -> SyncTransport.udp();
                case "tcp" -> SyncTransport.tcp();
                case "multicast" -> {
                    if (group.isEmpty()) {
                        problems.add("sync.transport = multicast needs sync.multicast-group (e.g. 225.0.0.50)");
                        yield SyncTransport.udp();
                    }
                    try {
                        InetAddress g = InetAddress.ofLiteral(group);
                        if (!g.isMulticastAddress()) {
                            problems.add("sync.multicast-group must be a multicast group (224.0.0.0/4 or ff00::/8), "
                                    + "got " + group);
                            yield SyncTransport.udp();
                        }
                        yield new SyncTransport.Multicast(g);
                    } catch (IllegalArgumentException e) {
                        problems.add("sync.multicast-group must be an IP address literal, got '" + group + "'");
                        yield SyncTransport.udp();
                    }
                }
                default -> {
                    problems.add("sync.transport must be udp, multicast or tcp, got '" + kind + "'");
                    yield SyncTransport.udp();
                }
            };
        }


        /** The pair's key: refused (with the reason) unless private and long enough; null without a key file. */
        SyncAuth auth() {
            Path key = path("sync.auth.key-file", true);
            boolean require = bool("sync.auth.require");
            if (key == null) {
                if (require) {
                    problems.add("sync.auth.require = true needs sync.auth.key-file");
                }
                return null;
            }
            if (!bool("sync.extensions")) {
                problems.add("sync.auth.key-file needs sync.extensions = true (authentication is agreed in the "
                        + "hFT-FW handshake)");
            }
            try {
                return SyncAuth.fromKeyFile(key, require);
            } catch (IOException e) {
                problems.add("sync.auth.key-file: " + e.getMessage());
                return null;
            }
        }

        /** A sync address must be one host's: not a multicast group (that is sync.multicast-group), not the wildcard. */
        private void unicast(String key, InetAddress a) {
            if (a != null && (a.isMulticastAddress() || a.isAnyLocalAddress())) {
                problems.add(key + " must be a unicast address, got " + a.getHostAddress() + (a.isMulticastAddress()
                        ? " (a multicast group: set sync.transport = multicast and the group as sync.multicast-group)"
                        : ""));
            }
        }

        /**
         * {@code sync.expectation-sync}: on/off (every helper's expectations or none), or a list of helper names
         * (conntrackd's {@code ExpectationSync { ftp sip }}). A name longer than 11 characters cannot travel in an
         * FT-FW message (conntrackd's {@code NTA_EXP_HELPER_NAME} limit) and is refused.
         */
        ExpectationSync expectationSync() {
            String key = "sync.expectation-sync";
            if (c.hasPath(key) && c.getValue(key).valueType() == ConfigValueType.LIST) {
                List<String> names = get(key, () -> c.getStringList(key), List.of());
                Set<String> helpers = new LinkedHashSet<>();
                for (String n : names) {
                    String h = n.trim();
                    if (h.isEmpty() || h.length() > 11 || !h.matches("[A-Za-z0-9_.-]+")) {
                        problems.add(key + ": '" + n + "' is not a helper name of 1..11 characters (letters, digits, "
                                + "'-', '_', '.')");
                    } else {
                        helpers.add(h);
                    }
                }
                return helpers.isEmpty() ? ExpectationSync.OFF : ExpectationSync.of(helpers);
            }
            return get(key, () -> c.getBoolean(key), false) ? ExpectationSync.ALL : ExpectationSync.OFF;
        }

        NodeSettings.Backup backup() {
            String mode = string("sync.backup.commit").trim().toLowerCase(Locale.ROOT);
            NodeSettings.Commit commit = switch (mode) {
                case "always" -> NodeSettings.Commit.ALWAYS;
                case "on-takeover" -> NodeSettings.Commit.ON_TAKEOVER;
                default -> {
                    problems.add("sync.backup.commit must be always or on-takeover, got '" + mode + "'");
                    yield NodeSettings.Backup.DEFAULT.commit();
                }
            };
            Duration standby = positive("sync.backup.standby-timeout");
            Duration grace = positive("sync.backup.takeover-grace");
            if (standby.toSeconds() < 2 || standby.toSeconds() > 0xffffffffL) {
                problems.add("sync.backup.standby-timeout must be in 2s..2^32-1 s, got " + standby);
                standby = NodeSettings.Backup.DEFAULT.standbyTimeout();
            }
            if (grace.toSeconds() < 1 || grace.toSeconds() > 0xffffffffL) {
                problems.add("sync.backup.takeover-grace must be in 1s..2^32-1 s, got " + grace);
                grace = NodeSettings.Backup.DEFAULT.takeoverGrace();
            }
            return new NodeSettings.Backup(commit, standby, grace);
        }

        Events events() {
            int buffer = bytes("events.buffer", 4096, 1 << 30);
            int max = bytes("events.buffer-max-growth", 4096, 1 << 30);
            if (max < buffer) {
                problems.add("events.buffer-max-growth (" + max + ") must not be below events.buffer (" + buffer + ")");
                max = buffer;
            }
            OptionalInt nice = string("events.reader-nice").trim().equals("inherit") ? OptionalInt.empty()
                    : OptionalInt.of(intIn("events.reader-nice", -20, 19));
            return new Events(buffer, max, bool("events.reliable-destroy"), nice);
        }

        NodeSettings.Lazy lazy() {
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
            return new NodeSettings.Lazy(bool("lazy.enabled"), lc, model, save, positive("lazy.tick"));
        }

        NodeSettings.Filter filter() {
            List<Cidr> ignore = new ArrayList<>();
            for (String s : get("filter.ignore-addresses", () -> c.getStringList("filter.ignore-addresses"),
                    List.<String>of())) {
                try {
                    ignore.add(Cidr.parse(s));
                } catch (IllegalArgumentException e) {
                    problems.add("filter.ignore-addresses: " + e.getMessage());
                }
            }
            List<Cidr> accept = new ArrayList<>();
            for (String s : get("filter.accept-addresses", () -> c.getStringList("filter.accept-addresses"),
                    List.<String>of())) {
                try {
                    accept.add(Cidr.parse(s));
                } catch (IllegalArgumentException e) {
                    problems.add("filter.accept-addresses: " + e.getMessage());
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
            Set<TcpState> states = EnumSet.noneOf(TcpState.class);
            for (String s : get("filter.tcp-states", () -> c.getStringList("filter.tcp-states"), List.<String>of())) {
                TcpState t = TcpState.parse(s.trim().toUpperCase(Locale.ROOT));
                if (t == null || t == TcpState.NONE) {
                    problems.add("filter.tcp-states: unknown TCP state '" + s + "' (SYN_SENT, SYN_RECV, ESTABLISHED, "
                            + "FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2)");
                } else {
                    states.add(t);
                }
            }
            return new NodeSettings.Filter(bool("filter.ignore-sync-addresses"), bool("filter.ignore-local-addresses"),
                    List.copyOf(ignore), Set.copyOf(protocols), Set.copyOf(states), List.copyOf(accept));
        }

        Log log() {
            String root = level("log.level", string("log.level"), true);
            java.util.Map<String, String> components = new java.util.TreeMap<>();
            Config section = get("log.components", () -> c.getConfig("log.components"), ConfigFactory.empty());
            for (var e : section.entrySet()) {
                String name = String.join(".", com.typesafe.config.ConfigUtil.splitPath(e.getKey()));
                Object v = e.getValue().unwrapped();
                components.put(name, level("log.components." + name, v instanceof String str ? str : String.valueOf(v),
                        false));
            }
            String syslog = string("log.syslog").trim();
            if (!syslog.isEmpty() && !syslog.startsWith("/")) {
                problems.add("log.syslog must be the absolute path of the syslog daemon's socket (e.g. /dev/log) or "
                        + "\"\", got '" + syslog + "'");
            }
            String facility = string("log.syslog-facility").trim().toLowerCase(Locale.ROOT);
            if (!org.hftfw.sidecar.logging.SyslogOutput.FACILITY_NAMES.contains(facility)) {
                problems.add("log.syslog-facility must be one of "
                        + new java.util.TreeSet<>(org.hftfw.sidecar.logging.SyslogOutput.FACILITY_NAMES) + ", got '"
                        + facility + "'");
            }
            return new Log(root, java.util.Collections.unmodifiableMap(components), syslog, facility);
        }

        private String level(String key, String value, boolean emptyAllowed) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            if (v.isEmpty() && emptyAllowed) {
                return v;
            }
            if (!org.hftfw.sidecar.logging.LogLevels.NAMES.contains(v)) {
                problems.add(key + " must be one of " + new java.util.TreeSet<>(org.hftfw.sidecar.logging.LogLevels.NAMES)
                        + (emptyAllowed ? " or \"\"" : "") + ", got '" + value + "'");
                return emptyAllowed ? "" : "INFO";
            }
            return v;
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
