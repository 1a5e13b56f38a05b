package org.hftfw.conntrack.log;

import org.hftfw.conntrack.ConntrackException.MalformedException;

/**
 * Walks the blank-separated tokens of one line without copying it. A token that opens with '[' and has no ']'
 * runs on to the next ']' ({@code [start=Thu Nov 26 06:24:20 2026]} is one token).
 */
final class LineCursor {
    private final String s;
    private int start;
    private int end;

    LineCursor(String line) {
        this.s = line;
        this.end = 0;
        advance();
    }

    /** Moves to the next token; returns false when the line is exhausted. */
    boolean advance() {
        int i = end;
        int n = s.length();
        while (i < n && isBlank(s.charAt(i))) {
            i++;
        }
        start = i;
        if (i < n && s.charAt(i) == '[') {
            int close = s.indexOf(']', i);
            if (close >= 0) {
                end = close + 1;
                return true;
            }
        }
        while (i < n && !isBlank(s.charAt(i))) {
            i++;
        }
        end = i;
        return start < end;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    boolean atEnd() {
        return start >= end;
    }

    String token() {
        return s.substring(start, end);
    }

    boolean is(String literal) {
        return end - start == literal.length() && s.startsWith(literal, start);
    }

    /** True when the token is {@code key=...}. */
    boolean isKey(String key) {
        int k = key.length();
        return end - start > k && s.charAt(start + k) == '=' && s.startsWith(key, start);
    }

    /** True when the token is a {@code key=value} pair. */
    boolean isPair() {
        int eq = s.indexOf('=', start);
        return eq > start && eq < end && s.charAt(start) != '[';
    }

    boolean isBracketed() {
        return end - start >= 2 && s.charAt(start) == '[' && s.charAt(end - 1) == ']';
    }

    boolean isDigits() {
        if (start >= end) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The part after '=' of a {@code key=value} token. */
    String value() {
        int eq = s.indexOf('=', start);
        return s.substring(eq + 1, end);
    }

    /** The value of {@code key=} as an unsigned decimal number no larger than {@code max}. */
    long number(String key, long max) {
        int eq = s.indexOf('=', start);
        return decimal(eq + 1, end, key, max);
    }

    /** The whole token as an unsigned decimal number no larger than {@code max}. */
    long tokenNumber(String what, long max) {
        return decimal(start, end, what, max);
    }

    /** The value of {@code key=} as a hexadecimal {@code 0x...} or decimal number no larger than {@code max}. */
    long hexOrDecimal(String key, long max) {
        int from = s.indexOf('=', start) + 1;
        if (end - from > 2 && s.charAt(from) == '0' && (s.charAt(from + 1) == 'x' || s.charAt(from + 1) == 'X')) {
            long v = 0;
            for (int i = from + 2; i < end; i++) {
                int d = Character.digit(s.charAt(i), 16);
                if (d < 0 || i - from > 18) {
                    throw bad(key, from, max);
                }
                v = v * 16 + d;
            }
            if (v > max) {
                throw bad(key, from, max);
            }
            return v;
        }
        return decimal(from, end, key, max);
    }

    private long decimal(int from, int to, String what, long max) {
        if (from >= to || to - from > 19) {
            throw bad(what, from, max);
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw bad(what, from, max);
            }
            v = v * 10 + (c - '0');
            if (v > max) {
                throw bad(what, from, max);
            }
        }
        return v;
    }

    private MalformedException bad(String what, int from, long max) {
        return new MalformedException("bad " + what + " '" + s.substring(from, end) + "' (expected 0.." + max + ")");
    }
}
