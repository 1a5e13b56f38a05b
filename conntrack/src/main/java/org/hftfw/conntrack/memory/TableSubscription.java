package org.hftfw.conntrack.memory;

import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;

/** A subscription as the table sees it: events are offered to it while the table's lock is held. */
interface TableSubscription extends EventSubscription {

    /** Called with the table lock held, in mutation order. Must not throw. */
    void offer(ConntrackEvent event);

    boolean isClosed();
}
