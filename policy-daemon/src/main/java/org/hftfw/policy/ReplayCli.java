package org.hftfw.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.predictor.PredictorConfig;

/**
 * {@code ReplayCli <history.csv>...}: replays histories with the default predictor and policy and prints
 * precision, recall and lead times (horizon 1 h, migration time 4 s).
 */
public final class ReplayCli {

    private ReplayCli() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ReplayCli <history.csv>...");
            System.exit(2);
        }
        ReplayEvaluator ev = new ReplayEvaluator(PredictorConfig.defaults(), PolicyConfig.defaults(),
                Duration.ofHours(1), Duration.ofSeconds(4));
        List<ReplayEvaluator.Score> scores = new ArrayList<>();
        for (String a : args) {
            ReplayEvaluator.Score s = ev.evaluate(ReplayHistory.parse(Path.of(a)));
            scores.add(s);
            System.out.println(s.format());
            s.decisions().forEach(d -> System.out.println("    t=" + d.timeNanos() / 1_000_000_000L + "s " + d));
        }
        System.out.println(ReplayEvaluator.combine("ALL", scores).format());
    }
}
