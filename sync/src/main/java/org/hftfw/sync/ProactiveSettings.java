package org.hftfw.sync;

import java.time.Duration;
import java.util.List;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.predictor.SourceRoots;

/**
 * The proactive path's settings: where the fault predictor reads, its thresholds, the policy state machine and the
 * state migrator with its handover hooks.
 *
 * @param enabled    run the predictor, the policy daemon and the state migrator (on a primary)
 * @param roots      where the fault sources read: the host, or a fake tree ({@code hftfw fault fake-tree})
 * @param allSources every standard source (EDAC, AER, hwmon, thermal, NIC, kernel log, machine checks, rasdaemon,
 *                   mcelog), or only the sysfs ones
 * @param interval   sampling period
 * @param predictor  the predictor's thresholds
 * @param policy     the policy daemon's state machine and dampers
 * @param migration  the migrator and its hooks
 */
public record ProactiveSettings(boolean enabled, SourceRoots roots, boolean allSources, Duration interval,
                                PredictorConfig predictor, PolicyConfig policy, Migration migration) {

    /**
     * The whole-table handover.
     *
     * @param commitCommand  run after the whole table is acknowledged: makes the backup commit it to its kernel table
     *                       (e.g. {@code hftfw commit --socket ...}, {@code ssh fw2 conntrackd -c}); empty: none
     * @param demoteCommand  run on the policy's DEMOTE order, after the commit (e.g. write a keepalived track file)
     * @param commandTimeout a hook that runs longer is killed and the step fails
     * @param migrator       ACK timeout and poll interval of the state migrator
     * @param commitSocket   the backup's control socket (or a local one forwarded to it): the daemon asks it to
     *                       commit itself, without a hook process; empty: use {@code commitCommand}
     */
    public record Migration(List<String> commitCommand, List<String> demoteCommand, Duration commandTimeout,
                            StateMigrator.Config migrator, String commitSocket) {

        /** No hooks: for a node whose handover is done in-process. */
        public static Migration noHooks() {
            return new Migration(List.of(), List.of(), Duration.ofSeconds(10), StateMigrator.Config.defaults(), "");
        }
    }

    /** The proactive path off. */
    public static ProactiveSettings disabled() {
        return new ProactiveSettings(false, SourceRoots.host(), true, Duration.ofSeconds(1), PredictorConfig.defaults(),
                PolicyConfig.defaults(), Migration.noHooks());
    }
}
