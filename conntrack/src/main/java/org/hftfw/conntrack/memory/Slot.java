package org.hftfw.conntrack.memory;

import org.hftfw.conntrack.ConntrackEntry;

/**
 * A stored entry and the instant it times out on the table's nanosecond clock. The stored entry's
 * {@code timeout} field is meaningless; the remaining time is derived from {@code deadlineNanos}.
 */
record Slot(ConntrackEntry entry, long deadlineNanos) {}
