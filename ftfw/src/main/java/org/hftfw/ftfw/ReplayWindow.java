package org.hftfw.ftfw;

/**
 * Which authenticated counters were already seen: the highest one and a bitmap of the {@link #SIZE} below it, as
 * IPsec's anti-replay window (RFC 4303 section 3.4.3). A counter above the highest is new and moves the window; one
 * inside the window is new once; anything older is a replay (or too late to tell).
 *
 * <p>One window per incarnation of the sender ({@link DatagramAuth}: a restarted sender's datagrams carry a new
 * random tag and start a new window, so a wall clock stepped back across the restart no longer matters); a datagram
 * captured before a restart of this receiver cannot be replayed after it because the MAC binds the receiver's
 * per-start nonce. The window covers the last 1024
 * datagrams: a datagram overtaken by more than that is dropped, and FT-FW recovers it like a lost one.
 */
final class ReplayWindow {
    static final int SIZE = 1024;
    private static final int WORDS = SIZE / 64;

    private final long[] seen = new long[WORDS];
    private long highest;
    private boolean any;

    /** True when {@code counter} was not seen yet (and may still be judged); does not record it. */
    boolean fresh(long counter) {
        if (!any || counter > highest) {
            return true;
        }
        long back = highest - counter;
        if (back >= SIZE) {
            return false;
        }
        int bit = (int) (counter & (SIZE - 1));
        return (seen[bit >>> 6] & (1L << bit)) == 0;
    }

    /** Records a counter of an authenticated datagram; call after {@link #fresh} returned true. */
    void record(long counter) {
        if (!any || counter > highest) {
            long shift = any ? counter - highest : SIZE;
            if (shift >= SIZE) {
                java.util.Arrays.fill(seen, 0);
            } else {
                for (long c = highest + 1; c < counter; c++) {
                    int b = (int) (c & (SIZE - 1));
                    seen[b >>> 6] &= ~(1L << b);
                }
            }
            highest = counter;
            any = true;
        }
        int bit = (int) (counter & (SIZE - 1));
        seen[bit >>> 6] |= 1L << bit;
    }
}
