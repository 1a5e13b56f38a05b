package org.hftfw.conntrack.memory;

import org.hftfw.conntrack.Tuple;

/** A tuple in a zone: the key of the kernel's conntrack hash (both directions are hashed). */
record EntryKey(Tuple tuple, int zone) {}
