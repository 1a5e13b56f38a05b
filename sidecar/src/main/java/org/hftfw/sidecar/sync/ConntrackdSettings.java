package org.hftfw.sidecar.sync;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.common.SafeFiles;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync daemon's settings from an operator's conntrackd.conf ({@link ConntrackdConfFile}), with hFT-FW's own
 * settings (lazy replication, predictor, policy, migration, metrics) from an hftfw.conf beside it. A key both files
 * set to different values is an error naming it, so which file wins never has to be guessed; a value in the
 * hftfw.conf that restates hFT-FW's default (the packaged sample restates them all) counts as not set. Both files are re-read on every reload
 * (SIGHUP, or the conntrackd.conf changing); the conntrackd.conf's warnings are logged when they first appear.
 */
final class ConntrackdSettings {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackdSettings.class);

    private ConntrackdSettings() {}

    /** True when {@code file} is readable and written in conntrackd's syntax rather than HOCON. */
    static boolean isConntrackdConf(Path file) {
        try {
            return ConntrackdConfFile.looksLikeConntrackd(new String(SafeFiles.read(file, 4 << 20),
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Loads {@code conntrackdConf}, with {@code hftfwConf} (or null) for the rest; relative paths in the hftfw.conf
     * are taken from its directory.
     */
    static ReloadableConfig<SyncSettings> load(Path conntrackdConf, Path hftfwConf) {
        Config defaults = SyncSettings.defaults();
        List<String> logged = new ArrayList<>();
        ReloadableConfig.Format format = (text, file) -> {
            ConntrackdConfFile.Result r = ConntrackdConfFile.read(text, file.toString());
            if (!r.warnings().equals(logged)) {
                r.warnings().forEach(w -> LOG.warn("{}", w));
                logged.clear();
                logged.addAll(r.warnings());
            }
            if (hftfwConf == null) {
                return r.config();
            }
            Config own = hftfw(hftfwConf);
            List<String> both = new ArrayList<>(ReloadableConfig.unknownKeys(own, defaults,
                    SyncSettings.CHECKED_ELSEWHERE));
            own = withoutDefaults(own, defaults);
            for (var e : own.entrySet()) {
                if (r.explicit().contains(e.getKey())
                        && !r.config().getValue(e.getKey()).unwrapped().equals(e.getValue().unwrapped())) {
                    both.add(e.getKey() + " is set in both " + file + " and " + hftfwConf + " (keep it in one)");
                }
            }
            if (!both.isEmpty()) {
                throw new InvalidConfigException(both);
            }
            return own.withFallback(r.config());
        };
        Path base = (hftfwConf != null ? hftfwConf : conntrackdConf).toAbsolutePath().getParent();
        return ReloadableConfig.load(conntrackdConf, format, defaults, SyncSettings.CHECKED_ELSEWHERE,
                c -> SyncSettings.from(c, base));
    }

    /**
     * {@code own} without the keys that restate hFT-FW's built-in default (the packaged sample hftfw.conf sets every
     * key to its default): only a value the operator changed can clash with, or override, the conntrackd.conf.
     */
    private static Config withoutDefaults(Config own, Config defaults) {
        Config out = own;
        for (var e : own.entrySet()) {
            String key = e.getKey();
            if (defaults.hasPath(key) && defaults.getValue(key).unwrapped().equals(e.getValue().unwrapped())) {
                out = out.withoutPath(key);
            }
        }
        return out;
    }

    private static Config hftfw(Path f) {
        try {
            String text = new String(SafeFiles.read(f, 4 << 20), StandardCharsets.UTF_8);
            return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setOriginDescription(f.toString()));
        } catch (IOException e) {
            throw new InvalidConfigException(f + ": cannot read the config file (" + e.getMessage() + ")");
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }
}
