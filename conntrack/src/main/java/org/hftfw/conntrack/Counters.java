package org.hftfw.conntrack;

/** Per-direction accounting (CTA_COUNTERS_ORIG/REPLY), present when nf_conntrack_acct is on. */
public record Counters(long packets, long bytes) {}
