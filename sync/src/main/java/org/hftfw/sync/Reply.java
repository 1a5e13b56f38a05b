package org.hftfw.sync;

/** The answer to a control command: success, and the text for the operator. */
public record Reply(boolean ok, String text) {

    public static Reply ok(String text) {
        return new Reply(true, text);
    }

    public static Reply error(String text) {
        return new Reply(false, text);
    }
}
