package org.hftfw.sync;

import java.util.Optional;

/**
 * The requests of conntrackd's UNIX control protocol, with the numbers its client sends and the command line that
 * sends each (conntrack-tools include/conntrackd.h "UNIX facilities", src/main.c). The client connects to the socket
 * of {@code UNIX { Path }}, sends the request as one native-endian {@code int} (4 bytes, src/local.c
 * {@code do_local_request}), prints whatever the daemon writes back until it closes the connection, and exits 0;
 * it exits 1 only when it cannot connect. {@code DEBUG_INFO} (27) is reserved and unused by conntrackd.
 */
public enum ConntrackdRequest {
    CT_FLUSH_MASTER(0, "-F ct"),
    CT_RESYNC_MASTER(1, "-R ct"),
    CT_DUMP_INTERNAL(16, "-i"),
    CT_DUMP_EXTERNAL(17, "-e"),
    CT_COMMIT(18, "-c ct"),
    CT_FLUSH_CACHE(19, "(no client flag)"),
    KILL(20, "-k"),
    STATS(21, "-s"),
    SEND_BULK(22, "-B"),
    REQUEST_DUMP(23, "-n"),
    CT_DUMP_INT_XML(24, "-i -x"),
    CT_DUMP_EXT_XML(25, "-e -x"),
    RESET_TIMERS(26, "-t"),
    DEBUG_INFO(27, "(unused)"),
    STATS_NETWORK(28, "-s network"),
    STATS_CACHE(29, "-s cache"),
    STATS_RUNTIME(30, "-s runtime"),
    STATS_LINK(31, "-s link"),
    STATS_RSQUEUE(32, "-s rsqueue"),
    CT_FLUSH_INT_CACHE(33, "-f internal"),
    CT_FLUSH_EXT_CACHE(34, "-f external"),
    STATS_PROCESS(35, "-s process"),
    STATS_QUEUE(36, "-s queue"),
    EXP_STATS(37, "-s expect"),
    EXP_FLUSH_MASTER(38, "-F expect"),
    EXP_RESYNC_MASTER(39, "-R expect"),
    EXP_DUMP_INTERNAL(40, "-i expect"),
    EXP_DUMP_EXTERNAL(41, "-e expect"),
    EXP_COMMIT(42, "-c expect"),
    ALL_FLUSH_MASTER(43, "-F"),
    ALL_RESYNC_MASTER(44, "-R"),
    ALL_FLUSH_CACHE(45, "-f"),
    ALL_COMMIT(46, "-c"),
    EXP_DUMP_INT_XML(47, "-i expect -x"),
    EXP_DUMP_EXT_XML(48, "-e expect -x");

    private static final ConntrackdRequest[] BY_CODE = new ConntrackdRequest[49];

    static {
        for (ConntrackdRequest r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;
    private final String flags;

    ConntrackdRequest(int code, String flags) {
        this.code = code;
        this.flags = flags;
    }

    /** The number on the wire. */
    public int code() {
        return code;
    }

    /** The {@code conntrackd} client options that send this request. */
    public String flags() {
        return flags;
    }

    /** The request with this number, if conntrackd defines one. */
    public static Optional<ConntrackdRequest> of(int code) {
        return code >= 0 && code < BY_CODE.length ? Optional.ofNullable(BY_CODE[code]) : Optional.empty();
    }
}
