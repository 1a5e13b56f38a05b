package org.hftfw.lazy;

/** What the lazy replicator does with a state change it classifies as transitional (TS). */
public enum Mode {
    /** Never send it (the seed's evaluated behaviour): if the prediction was wrong the backup stays stale. */
    DROP,
    /**
     * Hold it; if it is not superseded within B = 2·l it was stable after all and is sent then. Only the latest
     * state of a flow is ever held.
     */
    DEFER
}
