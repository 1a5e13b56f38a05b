package org.hftfw.predictor;

/**
 * One {@code /dev/kmsg} record (kernel Documentation/ABI/testing/dev-kmsg):
 * {@code <prefix>,<seq>,<usec since boot>,<flags>[,...];<message>} where prefix = facility·8 + level.
 * Continuation lines ({@code " KEY=value"}) are not kept.
 */
record KmsgRecord(int level, int facility, long seq, long usec, String message) {

    /** Parses one record; throws {@link IllegalArgumentException} naming what is wrong. */
    static KmsgRecord parse(String record) {
        int semi = record.indexOf(';');
        if (semi < 0) {
            throw new IllegalArgumentException("no ';' between header and message");
        }
        String[] h = record.substring(0, semi).split(",", -1);
        if (h.length < 4) {
            throw new IllegalArgumentException("header has " + h.length + " fields, want prio,seq,usec,flags");
        }
        try {
            int prefix = Integer.parseInt(h[0]);
            long seq = Long.parseLong(h[1]);
            long usec = Long.parseLong(h[2]);
            if (prefix < 0 || seq < 0 || usec < 0) {
                throw new IllegalArgumentException("negative header field");
            }
            int nl = record.indexOf('\n', semi);
            String message = nl < 0 ? record.substring(semi + 1) : record.substring(semi + 1, nl);
            return new KmsgRecord(prefix & 7, prefix >> 3, seq, usec, message);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("header field not a number: " + e.getMessage());
        }
    }
}
