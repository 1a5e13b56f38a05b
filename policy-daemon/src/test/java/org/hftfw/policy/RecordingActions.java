package org.hftfw.policy;

import java.util.ArrayList;
import java.util.List;

/** Records the orders it receives. */
final class RecordingActions implements MigrationActions {
    final List<String> calls = new ArrayList<>();

    @Override
    public void migrate(Reason r) {
        calls.add("migrate");
    }

    @Override
    public void migrateNow(Reason r) {
        calls.add("migrateNow");
    }

    @Override
    public void demote(Reason r) {
        calls.add("demote");
    }
}
