package org.hftfw.predictor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns bytes read from {@code /dev/kmsg} into classified events. On the device every {@code read()} returns exactly
 * one record ending in a newline, with continuation lines (starting with a space) attached; a regular file (a
 * saved dump, test fixture) returns many records per read, possibly cut anywhere, so bytes are buffered up to the
 * newline that is followed by a non-space. Sequence-number gaps mean the ring buffer overwrote records before they
 * were read; they are counted as lost. Malformed records are counted, never fatal. Not thread-safe: one reader.
 */
final class KmsgStream {

    private final long skipBeforeUsec;
    private final Consumer<KmsgRecord> onRecord;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
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

    void feed(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            pending.write(buf[i]);
        }
        byte[] all = pending.toByteArray();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            boolean continuation = i + 1 < all.length && all[i + 1] == ' ';
            boolean atEnd = i + 1 == all.length;
            if (continuation) {
                continue;
            }
            if (atEnd || all[i + 1] != ' ') {
                record(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        pending.reset();
        pending.write(all, start, all.length - start);
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
