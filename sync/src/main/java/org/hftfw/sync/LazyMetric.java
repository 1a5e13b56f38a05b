package org.hftfw.sync;

import org.hftfw.lazy.ReplicatorMetrics;

/**
 * The lazy replicator's metrics (all 0 while it is off): counts as counters, shares as {@code _ratio} gauges, each read
 * from {@link ReplicatorMetrics} by a switch. One enum instead of a method reference per metric, each a hidden class
 * of its own in metaspace for the daemon's whole run (as {@link FtfwMetric}).
 */
enum LazyMetric {
    EVENTS_TOTAL("hftfw_lazy_events_total", true, "events seen (what replicate-all would send)"),
    SENT_TOTAL("hftfw_lazy_sent_total", true, "messages put on the sync link (states and DESTROYs)"),
    LABELLED_TOTAL("hftfw_lazy_labelled_total", true,
            "decisions whose outcome is known (state superseded or outlived B)"),
    WRONG_PREDICTIONS_TOTAL("hftfw_lazy_wrong_predictions_total", true, "held-back states that turned out stable"),
    DEFERRED_THEN_SENT_TOTAL("hftfw_lazy_deferred_then_sent_total", true,
            "deferred states sent at B because still current"),
    RESETS_TOTAL("hftfw_lazy_resets_total", true, "tuples reset after repeated wrong predictions"),
    SAVED_RATIO("hftfw_lazy_saved_ratio", false, "1 - sent / events"),
    WRONG_RATIO("hftfw_lazy_wrong_ratio", false, "share of labelled decisions that were wrong"),
    EXPOSURE_RATIO("hftfw_lazy_exposure_ratio", false,
            "share of stable state-time the backup did not hold the current state"),
    KNOWLEDGE_BASE_TUPLES("hftfw_lazy_knowledge_base_tuples", false, "tuples in the knowledge base"),
    LIVE_FLOWS("hftfw_lazy_live_flows", false, "live flows tracked"),
    LOST_AT_FAILOVER_RATIO("hftfw_lazy_lost_at_failover_ratio", false,
            "share of stable state-time the backup held nothing for the flow");

    final String metricName;
    final boolean counter;
    final String help;

    LazyMetric(String metricName, boolean counter, String help) {
        this.metricName = metricName;
        this.counter = counter;
        this.help = help;
    }

    double read(ReplicatorMetrics m) {
        return switch (this) {
            case EVENTS_TOTAL -> m.events();
            case SENT_TOTAL -> m.sent();
            case LABELLED_TOTAL -> m.labelled();
            case WRONG_PREDICTIONS_TOTAL -> m.wrong();
            case DEFERRED_THEN_SENT_TOTAL -> m.deferredThenSent();
            case RESETS_TOTAL -> m.resets();
            case SAVED_RATIO -> m.saved();
            case WRONG_RATIO -> m.wrongRate();
            case EXPOSURE_RATIO -> m.exposure();
            case KNOWLEDGE_BASE_TUPLES -> m.knowledgeBaseSize();
            case LIVE_FLOWS -> m.liveFlows();
            case LOST_AT_FAILOVER_RATIO -> m.lostAtFailover();
        };
    }
}
