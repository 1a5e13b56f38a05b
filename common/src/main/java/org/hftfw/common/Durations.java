package org.hftfw.common;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;

/**
 * The one duration parser: the config library's (HOCON) format, so a command-line flag, a policy block and a
 * config-file key all read "100ms", "2s", "5m", "1h", "5d", "250us" the same way; a bare number is milliseconds,
 * as in the config file.
 */
public final class Durations {
    private Durations() {}

    /**
     * Parses {@code value} as a duration.
     *
     * @param key   where the value came from (a config path or a flag), for the error message
     * @param value a string such as "5m", or a number of milliseconds
     * @throws InvalidConfigException naming {@code key} if the value is not a duration
     */
    public static Duration parse(String key, Object value) {
        try {
            return ConfigFactory.parseMap(Map.of("v", value)).getDuration("v");
        } catch (ConfigException | NullPointerException e) {
            throw new InvalidConfigException(key + ": not a duration: '" + value
                    + "' (use e.g. 250us, 500ms, 10s, 5m, 1h, 2d; a bare number is milliseconds)");
        }
    }
}
