package org.hftfw.sidecar.config;

/** The configuration does not parse or does not validate; the message names the file, key and problem. */
public final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
