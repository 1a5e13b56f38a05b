package org.hftfw.sync;

import java.util.Objects;
import java.util.Optional;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.common.InvalidConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node's reaction to reloaded settings: the lazy replicator's take effect at once (through
 * {@code LazyReplicator.reconfigure}, or a new replicator when it is switched on or its model file changes); the
 * sync link, the filter and the proactive path need a restart, which is logged. Refused lazy settings keep the
 * previous ones in force.
 */
final class Reload {
    private static final Logger LOG = LoggerFactory.getLogger(Reload.class);

    private final SyncNode.Role role;
    private final NodeSettings started;
    private final Publisher publisher;
    private final ModelStore models;
    private NodeSettings.Lazy applied;

    Reload(SyncNode.Role role, NodeSettings started, Publisher publisher, ModelStore models) {
        this.role = role;
        this.started = started;
        this.publisher = publisher;
        this.models = models;
        this.applied = started.lazy();
    }

    synchronized void apply(NodeSettings next) {
        if (!next.link().equals(started.link()) || !next.filter().equals(started.filter())
                || !next.proactive().equals(started.proactive()) || !next.backup().equals(started.backup())) {
            LOG.warn("configuration reloaded: changes to the sync link (sync.backup included), the filter or the "
                    + "proactive path (predictor, policy, migration) take effect at the next restart");
        }
        if (!role.publishes()) {
            return;
        }
        NodeSettings.Lazy now = applied;
        NodeSettings.Lazy l = next.lazy();
        applied = l;
        boolean active = publisher.replication() instanceof Replication.Lazy;
        if (!l.enabled()) {
            if (active) {
                publisher.replicateEveryChange();
                LOG.info("lazy replication disabled by reload: every change is replicated");
            }
            return;
        }
        if (active && l.modelFile() != null && !l.modelFile().equals(now.modelFile())) {
            Optional<LearnedModel> model = models.reload(l.modelFile());
            if (model.isEmpty()) {
                // the new file is refused: the replicator keeps its model, a later reload retries the file
                applied = new NodeSettings.Lazy(l.enabled(), l.config(), now.modelFile(), l.saveOnExit(), l.tick());
                reconfigure(now, l);
                return;
            }
            publisher.replicateLazily(l.config(), model.get());
            LOG.info("lazy replication restarted by reload: {}", Replication.Lazy.describe(l.config()));
            return;
        }
        if (!active || !Objects.equals(l.modelFile(), now.modelFile())) {
            publisher.replicateLazily(l.config(), models.load(l.modelFile()));
            LOG.info("lazy replication (re)started by reload: {}", Replication.Lazy.describe(l.config()));
            return;
        }
        reconfigure(now, l);
    }

    private void reconfigure(NodeSettings.Lazy previous, NodeSettings.Lazy next) {
        try {
            publisher.reconfigureLazy(next.config());
        } catch (InvalidConfigException e) {
            applied = previous;
            LOG.error("lazy configuration refused, keeping the previous one: {}", e.getMessage());
        }
    }

    /** The lazy settings in force. */
    synchronized NodeSettings.Lazy lazy() {
        return applied;
    }
}
