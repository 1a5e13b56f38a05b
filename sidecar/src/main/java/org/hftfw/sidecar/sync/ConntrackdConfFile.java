package org.hftfw.sidecar.sync;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.hftfw.common.InvalidConfigException;
import java.util.EnumSet;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.TcpState;
import org.hftfw.sidecar.config.DidYouMean;

/**
 * An operator's {@code conntrackd.conf}, read as hFT-FW settings: the keys conntrackd's parser knows
 * (conntrack-tools src/read_config_lex.l, src/read_config_yy.y) mapped to the {@code hftfw.conf} keys that do the
 * same, so a node switches from conntrackd without rewriting its file.
 *
 * <p>Nothing is dropped silently. Each key is one of three kinds:
 * <ul>
 *   <li>mapped: it becomes an hFT-FW setting ({@code Port} → {@code sync.port}, {@code Address Ignore} →
 *       {@code filter.ignore-addresses}, …);</li>
 *   <li>accepted with a warning naming it: it has no effect on what is replicated and hFT-FW does it its own way or
 *       not at all ({@code HashSize}, {@code Nice}, {@code LogFile}, {@code Filter From Kernelspace}, …);</li>
 *   <li>an error naming it: honouring it would change what is replicated or how, and hFT-FW does not
 *       ({@code Mode ALARM}, {@code Mode NOTRACK}, more than one sync link, …). Every error is reported at once
 *       and the daemon does not start.</li>
 * </ul>
 * The sync link may be {@code UDP}, {@code Multicast} or {@code TCP} ({@code sync.transport}). A Multicast section
 * names no peer (conntrackd reads every sender on the group), while hFT-FW reads only its peer's datagrams: its
 * address, {@code sync.peer-address}, comes from the hftfw.conf beside the file, and the start fails naming it when
 * it is missing.
 * conntrackd's filter is exactly its lists, so the mapping turns off hFT-FW's own additions
 * ({@code filter.ignore-sync-addresses}, {@code filter.ignore-local-addresses}) and its protocol list defaults to
 * every protocol, as conntrackd's does. Keywords are matched as conntrackd's lexer matches them (case-sensitive); a
 * word that only differs in case, or an unknown one, is an error with the nearest keyword as a suggestion.
 */
final class ConntrackdConfFile {

    /**
     * The settings read, in hftfw.conf keys, and the warnings to log once.
     *
     * @param explicit the keys a conntrackd.conf keyword set (the others follow from conntrackd's defaults: its
     *                 filter has no addresses of its own and accepts every protocol unless told)
     */
    record Result(Config config, Set<String> explicit, List<String> warnings) {}

    /** One statement: its words on one line, its line number, and its block (null when it has none). */
    private record Stmt(List<String> words, int line, List<Stmt> block) {
        String key() {
            return words.getFirst();
        }

        String arg(int i) {
            return i < words.size() ? words.get(i) : "";
        }
    }

    private static final Set<String> GENERAL_KEYS = Set.of("Systemd", "Nice", "HashSize", "HashLimit", "LogFile",
            "Syslog", "LockFile", "UNIX", "NetlinkBufferSize", "NetlinkBufferSizeMaxGrowth", "SocketBufferSize",
            "SocketBufferSizeMaxGrown", "SocketBufferSizeMaxGrowth", "NetlinkOverrunResync", "NetlinkEventsReliable",
            "PollSecs", "EventIterationLimit", "Scheduler", "Filter", "Setup", "ErrorQueueLength");
    private static final Set<String> SYNC_KEYS = Set.of("Mode", "UDP", "Multicast", "TCP", "Options",
            "RefreshTime", "CacheTimeout", "CommitTimeout", "PurgeTimeout");
    private static final Set<String> FTFW_KEYS = Set.of("ResendQueueSize", "ACKWindowSize", "CommitTimeout",
            "PurgeTimeout", "DisableInternalCache", "DisableExternalCache", "StartupResync");
    private static final Set<String> UDP_KEYS = Set.of("IPv4_address", "IPv6_address", "IPv4_Destination_Address",
            "IPv6_Destination_Address", "Port", "Interface", "SndSocketBuffer", "RcvSocketBuffer", "Checksum");
    private static final Set<String> TCP_KEYS = Set.of("IPv4_address", "IPv6_address", "IPv4_Destination_Address",
            "IPv6_Destination_Address", "Port", "Interface", "SndSocketBuffer", "RcvSocketBuffer", "Checksum",
            "ErrorQueueLength");
    private static final Set<String> MULTICAST_KEYS = Set.of("IPv4_address", "IPv6_address", "IPv4_interface",
            "IPv6_interface", "Group", "Interface", "SndSocketBuffer", "RcvSocketBuffer", "Checksum");
    private static final Set<String> TOP_KEYS = Set.of("General", "Sync", "Stats", "Helper");

    private final String origin;
    private final Map<String, Object> out = new LinkedHashMap<>();
    private final Set<String> explicit = new LinkedHashSet<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private ConntrackdConfFile(String origin) {
        this.origin = origin;
    }

    /** True when {@code text} is in conntrackd's syntax (its first statement opens a General or Sync block). */
    static boolean looksLikeConntrackd(String text) {
        List<Stmt> top;
        try {
            top = parse(tokens(text), "");
        } catch (InvalidConfigException e) {
            return false;
        }
        return !top.isEmpty() && top.getFirst().block() != null && top.getFirst().words().size() == 1
                && TOP_KEYS.contains(top.getFirst().key());
    }

    /**
     * Everything a file says, its problems beside its settings and warnings (a refused file's warnings included).
     *
     * @param settings the hftfw.conf keys and values, in the file's order
     */
    record Review(List<String> problems, List<String> warnings, Map<String, Object> settings, Set<String> explicit) {}

    /** Reviews {@code text} (from {@code origin}, for messages) without throwing on what cannot be honoured. */
    static Review review(String text, String origin) {
        ConntrackdConfFile f = new ConntrackdConfFile(origin);
        f.map(parse(tokens(text), origin));
        return new Review(List.copyOf(f.problems), List.copyOf(f.warnings),
                java.util.Collections.unmodifiableMap(f.out), Set.copyOf(f.explicit));
    }

    /**
     * Reads {@code text} (from {@code origin}, for messages); throws {@link InvalidConfigException} naming every key
     * that cannot be honoured.
     */
    static Result read(String text, String origin) {
        Review r = review(text, origin);
        if (!r.problems().isEmpty()) {
            throw new InvalidConfigException(r.problems());
        }
        return new Result(ConfigFactory.parseMap(r.settings(), origin), r.explicit(), r.warnings());
    }

    // ---- syntax: words, braces and comments, as conntrackd's lexer splits them

    private record Token(String text, int line) {}

    private static List<Token> tokens(String text) {
        List<Token> t = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < text.length()) {
            char ch = text.charAt(i);
            if (ch == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(ch)) {
                i++;
            } else if (ch == '#') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (ch == '{' || ch == '}') {
                t.add(new Token(String.valueOf(ch), line));
                i++;
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && "{}#".indexOf(text.charAt(i)) < 0) {
                    i++;
                }
                t.add(new Token(text.substring(start, i), line));
            }
        }
        return t;
    }

    private static List<Stmt> parse(List<Token> t, String origin) {
        int[] pos = {0};
        List<Stmt> top = block(t, pos, origin);
        if (pos[0] < t.size()) {
            throw new InvalidConfigException(origin + ": line " + t.get(pos[0]).line() + ": unexpected '}'");
        }
        return top;
    }

    /**
     * The keywords that take exactly one value and no block (conntrack-tools src/read_config_yy.y). conntrackd's
     * grammar ignores line breaks, so {@code Mode FTFW { ResendQueueSize 131072 ACKWindowSize 20 }} is two
     * statements on one line, and {@code Port} may take its value from the next line: such a keyword ends after its
     * value, and whatever follows on the line is a statement of its own (read, or refused by name, never dropped).
     */
    private static final Set<String> ONE_VALUE = Set.of("IPv4_address", "IPv6_address", "IPv4_Destination_Address",
            "IPv6_Destination_Address", "IPv4_interface", "IPv6_interface", "Interface", "HashSize", "RefreshTime",
            "CacheTimeout", "CommitTimeout", "HashLimit", "Path", "Backlog", "Group", "Port", "LogFile", "Syslog",
            "LockFile", "SocketBufferSize", "SocketBufferSizeMaxGrown", "SocketBufferSizeMaxGrowth",
            "NetlinkBufferSize", "NetlinkBufferSizeMaxGrowth", "ResendQueueSize", "Checksum", "ACKWindowSize",
            "SndSocketBuffer", "RcvSocketBuffer", "PurgeTimeout", "EventIterationLimit", "PollSecs",
            "NetlinkOverrunResync", "Nice", "Priority", "NetlinkEventsReliable", "DisableInternalCache",
            "DisableExternalCache", "TCPWindowTracking", "ErrorQueueLength", "Systemd", "StartupResync");

    /**
     * Statements up to a closing brace (not consumed) or the end: the words of one line, split after each
     * {@link #ONE_VALUE} keyword's value; a one-value keyword last on its line takes the next line's first word.
     */
    private static List<Stmt> block(List<Token> t, int[] pos, String origin) {
        List<Stmt> out = new ArrayList<>();
        while (pos[0] < t.size() && !t.get(pos[0]).text().equals("}")) {
            Token first = t.get(pos[0]);
            if (first.text().equals("{")) {
                throw new InvalidConfigException(origin + ": line " + first.line() + ": '{' without a keyword");
            }
            List<String> words = new ArrayList<>();
            while (pos[0] < t.size() && !t.get(pos[0]).text().equals("{") && !t.get(pos[0]).text().equals("}")
                    && (t.get(pos[0]).line() == first.line() || valueDue(words))) {
                words.add(t.get(pos[0]++).text());
            }
            List<Stmt> inner = null;
            if (pos[0] < t.size() && t.get(pos[0]).text().equals("{")) {
                pos[0]++;
                inner = block(t, pos, origin);
                if (pos[0] >= t.size()) {
                    throw new InvalidConfigException(origin + ": line " + first.line() + ": '" + words.getFirst()
                            + " {' is never closed");
                }
                pos[0]++;
            }
            int start = 0;
            while (ONE_VALUE.contains(words.get(start)) && words.size() - start > 2) {
                out.add(new Stmt(List.copyOf(words.subList(start, start + 2)), first.line(), null));
                start += 2;
            }
            out.add(new Stmt(List.copyOf(words.subList(start, words.size())), first.line(), inner));
        }
        return out;
    }

    /** Whether the words so far end with a one-value keyword still waiting for its value. */
    private static boolean valueDue(List<String> words) {
        int start = 0;
        while (start < words.size() && ONE_VALUE.contains(words.get(start)) && words.size() - start >= 2) {
            start += 2;
        }
        return words.size() - start == 1 && ONE_VALUE.contains(words.get(start));
    }

    // ---- meaning

    private void map(List<Stmt> top) {
        boolean sync = false;
        for (Stmt s : top) {
            switch (s.key()) {
                case "General" -> each(s, GENERAL_KEYS, this::general);
                case "Sync" -> {
                    sync = true;
                    sync(s);
                }
                case "Stats" -> error(s, "Stats mode (a conntrack logger, not replication) is not part of hFT-FW");
                case "Helper" -> error(s, "user-space conntrack helpers (Helper) are not part of hFT-FW");
                default -> unknown(s, TOP_KEYS);
            }
        }
        if (!sync) {
            problems.add(origin + ": no Sync section: hFT-FW replicates in FTFW mode and needs one");
        }
        // conntrackd filters exactly what its lists say: none of hFT-FW's own additions
        out.putIfAbsent("filter.ignore-addresses", List.of());
        out.putIfAbsent("filter.accept-addresses", List.of());
        out.putIfAbsent("filter.protocols", List.of());
        out.put("filter.ignore-sync-addresses", false);
        out.put("filter.ignore-local-addresses", false);
        // conntrackd keeps the peer's states in its external cache until -c unless DisableExternalCache On says so
        out.putIfAbsent("sync.backup.commit", "on-takeover");
    }

    private void each(Stmt section, Set<String> known, Consumer<Stmt> action) {
        if (section.block() == null) {
            error(section, "'" + section.key() + "' needs a { … } block");
            return;
        }
        for (Stmt s : section.block()) {
            if (known.contains(s.key())) {
                action.accept(s);
            } else {
                unknown(s, known);
            }
        }
    }

    private void general(Stmt s) {
        switch (s.key()) {
            case "HashLimit" -> put(s, "sync.external-cache-limit", number(s, 1));
            case "NetlinkBufferSize", "SocketBufferSize" -> put(s, "events.buffer", number(s, 1));
            case "NetlinkBufferSizeMaxGrowth", "SocketBufferSizeMaxGrown", "SocketBufferSizeMaxGrowth" ->
                    put(s, "events.buffer-max-growth", number(s, 1));
            case "NetlinkEventsReliable" -> put(s, "events.reliable-destroy", onOff(s));
            case "UNIX" -> each(s, Set.of("Path", "Backlog"), u -> {
                if (u.key().equals("Path")) {
                    put(u, "control.socket", u.arg(1));
                } else {
                    warn(u, "Backlog: hFT-FW's control socket uses its own backlog (16); ignored");
                }
            });
            case "Filter" -> filter(s);
            case "HashSize" -> warn(s, "HashSize: hFT-FW's caches are hash maps that grow as needed; ignored");
            case "LogFile", "Syslog" -> warn(s, s.key() + ": hFT-FW logs to standard error (the journal under "
                    + "systemd); ignored");
            case "LockFile" -> warn(s, "LockFile: hFT-FW refuses to start a second daemon on a live control socket "
                    + "instead; ignored");
            case "Nice", "Scheduler" -> warn(s, s.key() + ": set the process priority in the service unit; ignored");
            case "Systemd" -> warn(s, "Systemd: hFT-FW's service unit defines how it runs; ignored");
            case "NetlinkOverrunResync" -> warn(s, "NetlinkOverrunResync: hFT-FW always resyncs with the kernel "
                    + "table after an event overrun, at once; ignored");
            case "EventIterationLimit" -> warn(s, "EventIterationLimit: hFT-FW reads events in batches of its own; "
                    + "ignored");
            case "ErrorQueueLength" -> warn(s, "ErrorQueueLength: hFT-FW has no error queue; ignored");
            case "PollSecs" -> error(s, "PollSecs (polling the kernel table instead of events) is not supported: "
                    + "hFT-FW replicates from events");
            case "Setup" -> error(s, "Setup (the helper mode's nfqueue set-up) is not part of hFT-FW");
            default -> unknown(s, GENERAL_KEYS);
        }
    }

    private void sync(Stmt section) {
        List<Stmt> links = new ArrayList<>();
        boolean ftfw = false;
        if (section.block() == null) {
            error(section, "'Sync' needs a { … } block");
            return;
        }
        for (Stmt s : section.block()) {
            switch (s.key()) {
                case "Mode" -> {
                    // conntrackd's lexer reads mode names in any case, and NACK as FTFW's old name
                    String mode = s.arg(1).toUpperCase(Locale.ROOT);
                    if (mode.equals("FTFW") || mode.equals("NACK")) {
                        if (mode.equals("NACK")) {
                            warn(s, "Mode NACK is FTFW's old name (conntrackd says the same): read as FTFW");
                        }
                        ftfw = true;
                        each(s, FTFW_KEYS, this::ftfw);
                    } else {
                        error(s, "Mode " + s.arg(1) + " is not supported: hFT-FW replicates in FTFW mode only");
                    }
                }
                case "UDP", "Multicast", "TCP" -> links.add(s);
                case "Options" -> each(s, Set.of("TCPWindowTracking", "ExpectationSync"), o -> {
                    if (o.key().equals("TCPWindowTracking")) {
                        put(o, "sync.tcp-window-tracking", onOff(o));
                    } else if (o.block() != null) {
                        List<String> helpers = new ArrayList<>();
                        for (Stmt h : o.block()) {
                            helpers.addAll(h.words());
                        }
                        put(o, "sync.expectation-sync", helpers);
                    } else {
                        put(o, "sync.expectation-sync", onOff(o));
                    }
                });
                case "CommitTimeout", "PurgeTimeout" -> ftfw(s);
                case "RefreshTime", "CacheTimeout" -> warn(s, s.key() + " applies to conntrackd's ALARM mode "
                        + "only; ignored");
                default -> unknown(s, SYNC_KEYS);
            }
        }
        if (!ftfw) {
            error(section, "Sync has no 'Mode FTFW { }': hFT-FW replicates in FTFW mode only");
        }
        if (links.isEmpty()) {
            error(section, "Sync has no UDP, Multicast or TCP section: hFT-FW needs the sync link's addresses");
        } else if (links.size() > 1) {
            error(links.get(1), "more than one sync link (conntrackd's redundant channels) is not supported: "
                    + "keep one UDP, Multicast or TCP section");
        }
        for (Stmt l : links) {
            link(l);
        }
    }

    private void ftfw(Stmt s) {
        switch (s.key()) {
            case "ResendQueueSize" -> put(s, "sync.resend-queue-size", number(s, 1));
            case "ACKWindowSize" -> put(s, "sync.ack-window", number(s, 1));
            case "StartupResync" -> put(s, "sync.startup-resync", onOff(s));
            case "PurgeTimeout" -> put(s, "control.purge-timeout", number(s, 1) + "s");
            // On: the peer's states go into the kernel table as they arrive (hFT-FW's always-committed backup)
            case "DisableExternalCache" -> put(s, "sync.backup.commit", onOff(s) ? "always" : "on-takeover");
            case "DisableInternalCache" -> {
                if (onOff(s)) {
                    error(s, "DisableInternalCache On is not supported in FTFW mode");
                }
            }
            case "CommitTimeout" -> error(s, "CommitTimeout is not supported: hFT-FW commits each flow with the "
                    + "timeout the peer sent, less the time since");
            default -> unknown(s, FTFW_KEYS);
        }
    }

    /** A UDP, Multicast or TCP section: the sync link (conntrack-tools src/read_config_yy.y, *_option rules). */
    private void link(Stmt link) {
        String kind = link.key();
        if (!link.arg(1).isEmpty() && !link.arg(1).equals("Default")) {
            unknown(link, Set.of(kind, kind + " Default"));
        }
        put(link, "sync.transport", kind.toLowerCase(Locale.ROOT));
        Set<String> known = switch (kind) {
            case "Multicast" -> MULTICAST_KEYS;
            case "TCP" -> TCP_KEYS;
            default -> UDP_KEYS;
        };
        boolean multicast = kind.equals("Multicast");
        long snd = -1;
        long rcv = -1;
        for (Stmt s : link.block() == null ? List.<Stmt>of() : link.block()) {
            if (!known.contains(s.key())) {
                unknown(s, known);
                continue;
            }
            switch (s.key()) {
                // a Multicast section's address is the group; the local address is its IPv4_interface
                case "IPv4_address", "IPv6_address" -> put(s, multicast ? "sync.multicast-group" : "sync.local-address",
                        s.arg(1));
                case "IPv4_interface" -> put(s, "sync.local-address", s.arg(1));
                case "IPv6_interface" -> warn(s, "IPv6_interface: the group's interface is Interface (as conntrackd, "
                        + "which ignores this key too); ignored");
                case "IPv4_Destination_Address", "IPv6_Destination_Address" -> put(s, "sync.peer-address", s.arg(1));
                case "Port", "Group" -> put(s, "sync.port", number(s, 1));
                case "Interface" -> put(s, "sync.interface", s.arg(1));
                case "SndSocketBuffer" -> snd = number(s, 1);
                case "RcvSocketBuffer" -> rcv = number(s, 1);
                case "ErrorQueueLength" -> warn(s, "ErrorQueueLength: what waits for the TCP connection is queued "
                        + "up to the socket buffer size (sync.socket-buffer); ignored");
                case "Checksum" -> {
                    if (!onOff(s)) {
                        warn(s, "Checksum off: hFT-FW always sends " + (kind.equals("TCP") ? "TCP" : "UDP")
                                + " checksums (both settings interoperate); ignored");
                    }
                }
                default -> unknown(s, known);
            }
        }
        if (snd > 0 || rcv > 0) {
            // one hFT-FW setting sizes both buffers: the larger of the two keeps either from shrinking
            explicit.add("sync.socket-buffer");
            out.put("sync.socket-buffer", Math.max(snd, rcv));
            if (snd > 0 && rcv > 0 && snd != rcv) {
                warnings.add(origin + ": line " + link.line() + ": SndSocketBuffer and RcvSocketBuffer differ: "
                        + "hFT-FW sizes both to " + Math.max(snd, rcv) + " bytes (sync.socket-buffer)");
            }
        }
    }

    private void filter(Stmt f) {
        String from = String.join(" ", f.words().subList(1, f.words().size()));
        if (from.equals("From Kernelspace")) {
            warn(f, "Filter From Kernelspace: hFT-FW filters the same flows in user space (the kernel still "
                    + "sends it every event)");
        } else if (!from.isEmpty() && !from.equals("From Userspace")) {
            unknown(f, Set.of("Filter From Userspace", "Filter From Kernelspace"));
        }
        if (f.block() == null) {
            error(f, "'Filter' needs a { … } block");
            return;
        }
        for (Stmt s : f.block()) {
            String kind = s.key() + " " + s.arg(1);
            switch (kind) {
                case "Protocol Accept" -> put(s, "filter.protocols", protocols(s));
                case "Protocol Ignore" -> {
                    // hFT-FW's list accepts; "every protocol but these" is every number that is not ignored
                    Set<Integer> ignored = new LinkedHashSet<>();
                    for (String p : protocols(s)) {
                        ignored.add(IpProto.parse(p));
                    }
                    List<String> accept = new ArrayList<>();
                    for (int p = 0; p < 256; p++) {
                        if (!ignored.contains(p)) {
                            accept.add(Integer.toString(p));
                        }
                    }
                    put(s, "filter.protocols", accept);
                }
                case "Address Ignore", "Address Accept" -> {
                    // conntrackd keeps one address pool and the policy of the later line: a file with both
                    // filters by neither list as written
                    String other = kind.equals("Address Ignore") ? "Address Accept" : "Address Ignore";
                    if (f.block().stream().anyMatch(o -> (o.key() + " " + o.arg(1)).equals(other))) {
                        if (kind.equals("Address Accept")) {
                            error(s, "Address Accept and Address Ignore in one Filter: conntrackd merges both lists "
                                    + "into one and applies the policy of the later one; keep one");
                        }
                    } else {
                        put(s, kind.equals("Address Ignore") ? "filter.ignore-addresses" : "filter.accept-addresses",
                                addresses(s));
                    }
                }
                case "State Accept", "State Ignore" -> put(s, "filter.tcp-states",
                        tcpStates(s, kind.equals("State Accept")));
                default -> unknown(s, Set.of("Protocol Accept", "Protocol Ignore", "Address Accept",
                        "Address Ignore", "State Accept", "State Ignore"));
            }
        }
    }

    private List<String> protocols(Stmt s) {
        List<String> names = new ArrayList<>();
        for (String w : listWords(s)) {
            String p = w.toLowerCase(Locale.ROOT);
            if (IpProto.parse(p) < 0) {
                error(s, s.key() + " " + s.arg(1) + ": unknown protocol '" + w + "'");
            } else {
                names.add(p);
            }
        }
        return names;
    }

    /**
     * {@code State Accept { ESTABLISHED CLOSED … for TCP }} as hFT-FW's accept list ({@code State Ignore}: every
     * other state); conntrackd knows states of TCP only, and spells TCP_CONNTRACK_CLOSE "CLOSED" or "CLOSE".
     */
    private List<String> tcpStates(Stmt s, boolean accept) {
        List<String> words = listWords(s);
        int forAt = words.indexOf("for");
        if (forAt < 0 || forAt != words.size() - 2 || !words.getLast().equalsIgnoreCase("TCP")) {
            error(s, s.key() + " " + s.arg(1) + " needs its states followed by 'for TCP'");
            return List.of();
        }
        Set<TcpState> named = EnumSet.noneOf(TcpState.class);
        for (String w : words.subList(0, forAt)) {
            TcpState t = TcpState.parse(w.equals("CLOSED") ? "CLOSE" : w);
            if (t == null || t == TcpState.NONE) {
                error(s, s.key() + " " + s.arg(1) + ": unknown TCP state '" + w + "'");
            } else {
                named.add(t);
            }
        }
        Set<TcpState> result = accept ? named : EnumSet.complementOf(EnumSet.copyOf(named));
        result.remove(TcpState.NONE);
        return result.stream().map(Enum::name).toList();
    }

    private List<String> addresses(Stmt s) {
        List<String> out = new ArrayList<>();
        for (Stmt a : s.block() == null ? List.<Stmt>of() : s.block()) {
            if ((a.key().equals("IPv4_address") || a.key().equals("IPv6_address")) && a.words().size() == 2) {
                out.add(a.arg(1));
            } else {
                unknown(a, Set.of("IPv4_address", "IPv6_address"));
            }
        }
        return out;
    }

    /** The words of a list block ({@code Protocol Accept { TCP UDP }}), one line or many. */
    private static List<String> listWords(Stmt s) {
        List<String> w = new ArrayList<>();
        for (Stmt line : s.block() == null ? List.<Stmt>of() : s.block()) {
            w.addAll(line.words());
        }
        return w;
    }

    // ---- values

    private void put(Stmt s, String key, Object value) {
        explicit.add(key);
        Object before = out.put(key, value);
        if (before != null && !before.equals(value)) {
            error(s, s.key() + " sets " + key + " again (" + before + ", then " + value + ")");
        }
    }

    private long number(Stmt s, int i) {
        try {
            return Long.parseLong(s.arg(i));
        } catch (NumberFormatException e) {
            error(s, s.key() + " needs a number, got '" + s.arg(i) + "'");
            return 1;
        }
    }

    /** conntrackd's lexer takes on/off and yes/no in any case. */
    private boolean onOff(Stmt s) {
        return switch (s.arg(1).toLowerCase(Locale.ROOT)) {
            case "on", "yes" -> true;
            case "off", "no" -> false;
            default -> {
                error(s, s.key() + " needs On or Off, got '" + s.arg(1) + "'");
                yield false;
            }
        };
    }

    private void warn(Stmt s, String what) {
        warnings.add(origin + ": line " + s.line() + ": " + what);
    }

    private void error(Stmt s, String what) {
        problems.add(origin + ": line " + s.line() + ": " + what);
    }

    private void unknown(Stmt s, Set<String> known) {
        String word = String.join(" ", s.words().subList(0, Math.min(2, s.words().size())));
        String near = DidYouMean.nearest(s.key(), known).orElse(null);
        error(s, "unknown conntrackd.conf keyword '" + word + "' here"
                + (near == null ? " (one of " + String.join(", ", new java.util.TreeSet<>(known)) + ")"
                        : " (did you mean " + near + "?)"));
    }
}
