package org.hftfw.conntrack;

/**
 * A flow's identity, as the kernel's conntrack hash has it: the original direction's tuple and the zone ({@link ConntrackEntry#flowId()}). The one
 * key of every flow-indexed structure in hFT-FW (tables, FT-FW caches and queues, the lazy replicator's flow
 * table, traces). The kernel also finds a flow by its reply tuple; a table that supports that indexes the reply
 * tuple as a second {@code FlowId} pointing at the first.
 */
public record FlowId(Tuple original, int zone) {
    // written out for the daemon's C1 compiler, as Tuple's are
    @Override
    public boolean equals(Object o) {
        return o instanceof FlowId f && zone == f.zone && original.equals(f.original);
    }

    @Override
    public int hashCode() {
        return 31 * original.hashCode() + zone;
    }
}
