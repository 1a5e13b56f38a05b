package org.hftfw.predictor;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns bytes read from {@code /dev/kmsg} into classified events. On the device every {@code read()} returns exactly
 * one record ending in a newline, with continuation lines (starting with a space) attached; a regular file (a
 * saved dump, test fixture) returns many records per read, possibly cut anywhere, so bytes are buffered up to the
 * newline that is followed by a non-space, and at most {@link #MAX_RECORD} of them. Sequence-number gaps mean the
 * ring buffer overwrote records before they were read; they are counted as lost. Malformed records are counted, never
 * fatal. Not thread-safe: one reader.
 */
final class KmsgStream {

    private final long skipBeforeUsec;
    private final Consumer<KmsgRecord> onRecord;
    /**
     * The longest record kept: the kernel caps a record's text at 1 KiB (LOG_LINE_MAX) and a read of
     * {@code /dev/kmsg} at the reader's buffer (8 KiB here), with its continuation lines.
     */
    static final int MAX_RECORD = 16 << 10;

    private final byte[] pending = new byte[MAX_RECORD];
    private int pendingLength;
    private boolean afterNewline;
    private boolean overlong;
    private final Map<LogEventClass, Long> live = new EnumMap<>(LogEventClass.class);
    private final Map<LogEventClass, Long> history = new EnumMap<>(LogEventClass.class);
    private long lastSeq = -1;
    private long records;
    private long lost;
    private long malformed;
    private String lastMalformed = "";

    /** Records stamped before {@code skipBeforeUsec} (boot history at start-up) are counted apart as history. */
    KmsgStream(long skipBeforeUsec, Consumer<KmsgRecord> onRecord) {
        this.skipBeforeUsec = skipBeforeUsec;
        this.onRecord = onRecord;
    }

    /**
     * Takes the next bytes read. A record ends at a newline that is not followed by a continuation line (a space),
     * or that ends what was read. Linear in the bytes fed; a record longer than {@link #MAX_RECORD} is counted as
     * malformed and its bytes beyond the bound are skipped, so bytes without a newline (a device that is not a
     * kernel log) cannot grow the buffer.
     */
    void feed(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            if (afterNewline) {
                afterNewline = false;
                if (b != ' ') {
                    endRecord();
                }
            }
            if (pendingLength < MAX_RECORD) {
                pending[pendingLength++] = b;
            } else {
                overlong = true;
            }
            afterNewline = b == '\n';
        }
        if (afterNewline) {
            afterNewline = false;
            endRecord();
        }
    }

    /** The buffered record, without its final newline. */
    private void endRecord() {
        int n = pendingLength > 0 && pending[pendingLength - 1] == '\n' ? pendingLength - 1 : pendingLength;
        if (overlong) {
            malformed++;
            lastMalformed = "a record longer than " + MAX_RECORD + " bytes: '"
                    + SampleCollector.abbreviate(new String(pending, 0, n, StandardCharsets.UTF_8)) + "'";
        } else {
            record(new String(pending, 0, n, StandardCharsets.UTF_8));
        }
        pendingLength = 0;
        overlong = false;
    }

    /** The reader saw EPIPE: records were overwritten while it was not reading. The count is unknown; at least 1. */
    void overrun() {
        lost++;
    }

    private void record(String text) {
        if (text.isBlank() || text.charAt(0) == ' ') {
            return;
        }
        KmsgRecord r;
        try {
            r = KmsgRecord.parse(text);
        } catch (IllegalArgumentException e) {
            malformed++;
            lastMalformed = e.getMessage() + ": '" + SampleCollector.abbreviate(text) + "'";
            return;
        }
        records++;
        if (lastSeq >= 0 && r.seq() > lastSeq + 1) {
            lost += r.seq() - lastSeq - 1;
        }
        lastSeq = Math.max(lastSeq, r.seq());
        LogClassifier.classify(r.message()).ifPresent(c -> {
            boolean isLive = r.usec() >= skipBeforeUsec;
            (isLive ? live : history).merge(c, 1L, Long::sum);
            if (isLive) {
                onRecord.accept(r);
            }
        });
    }

    Map<LogEventClass, Long> live() {
        return new EnumMap<>(live);
    }

    Map<LogEventClass, Long> history() {
        return new EnumMap<>(history);
    }

    long records() {
        return records;
    }

    long lost() {
        return lost;
    }

    long malformed() {
        return malformed;
    }

    String lastMalformed() {
        return lastMalformed;
    }
}
