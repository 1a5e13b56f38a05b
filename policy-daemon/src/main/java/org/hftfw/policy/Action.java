package org.hftfw.policy;

/** The order a transition gives to {@link MigrationActions}. */
public enum Action {
    NONE, MIGRATE, MIGRATE_NOW, DEMOTE;

    boolean isMigration() {
        return this == MIGRATE || this == MIGRATE_NOW;
    }
}
