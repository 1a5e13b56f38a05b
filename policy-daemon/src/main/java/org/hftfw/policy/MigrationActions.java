package org.hftfw.policy;

/**
 * What the policy daemon orders; the state migrator implements it (hFT-FW paper §V: the PD "tells the state migrator
 * (SM) to extract the state-information of the existing flows ... and to propagate them to a sane firewall replica").
 */
public interface MigrationActions {

    /** Migrate the flow states to the healthy replica, orderly (errors are building up, there is time). */
    void migrate(Reason r);

    /** Migrate at once, as fast as possible (failure looks imminent: Tprop must stay below Tfail). */
    void migrateNow(Reason r);

    /** Stop acting as primary: the peer holds the states now (or this node must not keep them). */
    void demote(Reason r);
}
