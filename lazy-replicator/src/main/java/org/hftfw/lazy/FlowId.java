package org.hftfw.lazy;

import org.hftfw.conntrack.Tuple;

/** A live flow as the kernel identifies it: original tuple and zone. */
record FlowId(Tuple original, int zone) {}
