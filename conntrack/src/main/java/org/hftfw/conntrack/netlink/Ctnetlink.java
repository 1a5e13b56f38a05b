package org.hftfw.conntrack.netlink;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackTable;

import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * Entry point: opens the kernel's conntrack table through ctnetlink ({@link KernelConntrackTable}).
 *
 * <pre>{@code
 * try (ConntrackTable ct = Ctnetlink.open()) {
 *     ct.dump(e -> System.out.println(ConntrackText.entry(e)));
 * }
 * }</pre>
 */
public final class Ctnetlink {
    private Ctnetlink() {}

    /** Opens the table of the calling thread's network namespace with default {@link Options}. */
    public static KernelConntrackTable open() {
        return open(Options.defaults());
    }

    /**
     * Opens the table. Throws {@link org.hftfw.conntrack.ConntrackException.PermissionDeniedException} without
     * CAP_NET_ADMIN and {@link org.hftfw.conntrack.ConntrackException.ConntrackUnavailableException} when the
     * kernel has no conntrack/ctnetlink.
     */
    public static KernelConntrackTable open(Options options) {
        return KernelConntrackTable.open(options);
    }

    /**
     * Runs {@code action} on a short-lived thread inside the network namespace {@code netnsFile} (e.g.
     * {@code /var/run/netns/NAME}); needs CAP_SYS_ADMIN. Sockets created by the action stay in that namespace.
     */
    public static <T> T callInNetns(Path netnsFile, Callable<T> action) {
        return Netns.call(netnsFile, action);
    }

    /**
     * Options of a {@link KernelConntrackTable}.
     *
     * @param requestBufferBytes receive buffer of the request socket (error replies of a batch queue there)
     * @param eventBufferBytes   receive buffer of each event socket (SO_RCVBUFFORCE; the kernel doubles it)
     * @param eventBufferMaxBytes how far an overrun may grow it (conntrackd's NetlinkBufferSizeMaxGrowth): each
     *                           overrun doubles the request up to this; equal to eventBufferBytes: never grown
     * @param batchBytes         size of one batched {@code sendto} datagram in {@link ConntrackTable#createAll}
     * @param maxBatchMessages   most requests in one batch (bounds the error replies queued at once)
     * @param ackEveryMessage    ask an ACK for every request of a batch instead of only the last one
     * @param reliableDestroy    set NETLINK_BROADCAST_ERROR on event sockets: the kernel then keeps an entry whose
     *                           DESTROY event could not be queued and redelivers it (see package notes)
     * @param netns              network namespace file to open all sockets in, or null for the caller's
     * @param clock              stamps {@code ConntrackEvent.monotonicNanos} and {@code .epochMicros}
     * @param replyTimeoutMillis how long a request waits for the kernel's reply
     * @param eventThreadNice    the nice value each event subscription's reading thread sets for itself (-20..19;
     *                           empty: it keeps the process's); see {@link #withEventThreadNice}
     */
    public record Options(int requestBufferBytes, int eventBufferBytes, int eventBufferMaxBytes, int batchBytes, int maxBatchMessages,
                          boolean ackEveryMessage, boolean reliableDestroy, Path netns,
                          Clock clock, int replyTimeoutMillis, OptionalInt eventThreadNice) {

        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(eventThreadNice, "eventThreadNice");
            if (eventThreadNice.isPresent() && (eventThreadNice.getAsInt() < -20 || eventThreadNice.getAsInt() > 19)) {
                throw new IllegalArgumentException("a nice value is -20..19, got " + eventThreadNice.getAsInt());
            }
            if (batchBytes < 4096 || maxBatchMessages < 1 || eventBufferBytes < 4096 || requestBufferBytes < 4096) {
                throw new IllegalArgumentException("buffer sizes must be at least 4096 bytes and a batch at least 1 message");
            }
            if (eventBufferMaxBytes < eventBufferBytes) {
                throw new IllegalArgumentException("the event buffer's growth limit " + eventBufferMaxBytes
                        + " is below its size " + eventBufferBytes);
            }
        }

        public static Options defaults() {
            return new Options(4 << 20, 16 << 20, 16 << 20, 128 << 10, 512, false, false, null,
                    Clock.system(), 5000, OptionalInt.empty());
        }

        /** The event socket buffer, never grown (see {@link #withEventBufferMaxBytes}). */
        public Options withEventBufferBytes(int bytes) {
            return new Options(requestBufferBytes, bytes, bytes, batchBytes, maxBatchMessages, ackEveryMessage,
                    reliableDestroy, netns, clock, replyTimeoutMillis, eventThreadNice);
        }

        /** Lets each overrun double the event socket buffer up to {@code max} bytes. */
        public Options withEventBufferMaxBytes(int max) {
            return new Options(requestBufferBytes, eventBufferBytes, max, batchBytes, maxBatchMessages,
                    ackEveryMessage, reliableDestroy, netns, clock, replyTimeoutMillis, eventThreadNice);
        }

        public Options withRequestBufferBytes(int bytes) {
            return new Options(bytes, eventBufferBytes, eventBufferMaxBytes, batchBytes, maxBatchMessages,
                    ackEveryMessage, reliableDestroy, netns, clock, replyTimeoutMillis, eventThreadNice);
        }

        public Options withBatch(int bytes, int messages, boolean ackEvery) {
            return new Options(requestBufferBytes, eventBufferBytes, eventBufferMaxBytes, bytes, messages, ackEvery,
                    reliableDestroy, netns, clock, replyTimeoutMillis, eventThreadNice);
        }

        public Options withReliableDestroy(boolean reliable) {
            return new Options(requestBufferBytes, eventBufferBytes, eventBufferMaxBytes, batchBytes, maxBatchMessages,
                    ackEveryMessage, reliable, netns, clock, replyTimeoutMillis, eventThreadNice);
        }

        public Options withNetns(Path netnsFile) {
            return new Options(requestBufferBytes, eventBufferBytes, eventBufferMaxBytes, batchBytes, maxBatchMessages,
                    ackEveryMessage, reliableDestroy, netnsFile, clock, replyTimeoutMillis, eventThreadNice);
        }

        /**
         * The event reading thread's own nice value (conntrackd's {@code Nice} for the one thread that must keep up
         * with the kernel): a starved reader lets the socket queue fill and the kernel drop events, which costs a
         * resync. Needs CAP_SYS_NICE to go below the process's value; without it the thread logs why and keeps the
         * process's priority.
         */
        public Options withEventThreadNice(int nice) {
            return new Options(requestBufferBytes, eventBufferBytes, eventBufferMaxBytes, batchBytes, maxBatchMessages,
                    ackEveryMessage, reliableDestroy, netns, clock, replyTimeoutMillis, OptionalInt.of(nice));
        }

        public Options withClock(Clock c) {
            return new Options(requestBufferBytes, eventBufferBytes, eventBufferMaxBytes, batchBytes, maxBatchMessages,
                    ackEveryMessage, reliableDestroy, netns, c, replyTimeoutMillis, eventThreadNice);
        }
    }
}
