/**
 * The kernel conntrack table through raw ctnetlink ({@code NETLINK_NETFILTER}) sockets driven by the Java 25 FFM API.
 * Entry point: {@link org.hftfw.conntrack.netlink.Ctnetlink#open}.
 *
 * <h2>Design note</h2>
 *
 * <p><b>Why raw netlink and not libnetfilter_conntrack through FFM.</b> Binding libnetfilter_conntrack (and libmnl)
 * with FFM was considered. It would add a native library dependency and an ABI we do not control. Every entry would
 * cross into C through an opaque {@code nf_conntrack} object: allocate, set about ten attributes, build and destroy,
 * that is 10-20 downcalls per entry, and the same again for parsing. The library also sends one request per
 * {@code nfct_query} call, so it cannot batch. Raw netlink needs only seven libc calls ({@link Libc}: socket, bind,
 * setsockopt, getsockname, sendto, recvfrom, close, plus open/setns for namespaces), each made once per datagram.
 * The encoding and decoding are plain Java over off-heap {@link java.lang.foreign.MemorySegment}s. Many requests
 * go into one {@code sendto}.
 *
 * <p><b>Wire format.</b> It follows include/uapi/linux/netfilter/nfnetlink_conntrack.h and
 * net/netfilter/nf_conntrack_netlink.c. {@link org.hftfw.conntrack.netlink.CtEncoder} writes requests the way
 * libnetfilter_conntrack's build_mnl.c does: CTA_STATUS always carries IPS_CONFIRMED, and nests carry
 * NLA_F_NESTED. {@link org.hftfw.conntrack.netlink.CtDecoder} reads dumps and events. Rejection and skipping:
 * <ul>
 *   <li>Damaged attributes are rejected with a counted MalformedException, and decoding goes on with the next
 *       message. This covers truncated headers, nla_len overruns and wrong fixed lengths.</li>
 *   <li>Unknown attribute types are skipped and counted. That is netlink's forward-compatibility rule.</li>
 * </ul>
 *
 * <p><b>Operations.</b> A dump is an NLM_F_DUMP GET with AF_UNSPEC. It is streamed to the consumer 32 KiB datagram
 * by datagram until NLMSG_DONE. A flush is a DELETE with no tuple and nfgenmsg version 0, which covers all families.
 * Batched creates are packed up to 128 KiB / 512 requests per datagram. Only the last request of a batch asks for
 * an ACK. Errors come back as NLMSG_ERROR carrying their sequence number. NETLINK_CAP_ACK keeps the error replies
 * small. An EEXIST with {@code replaceExisting} becomes a second, update batch.
 *
 * <p><b>Events.</b> Each subscription has its own socket, bound to NFNLGRP_CONNTRACK_NEW/UPDATE/DESTROY with a
 * 16 MiB SO_RCVBUFFORCE buffer, and a daemon delivery thread. ENOBUFS is counted and reported with
 * {@code onOverrun}. The queue is then emptied: the kernel reports ENOBUFS only once per congestion episode and
 * clears the episode only when the queue is empty, so later drops would otherwise go unreported. A lab test found
 * this. A full dump is then taken on a separate socket and delivered with {@code onResync}.
 * NETLINK_NO_ENOBUFS is never set, because it would hide losses. NETLINK_BROADCAST_ERROR is optional
 * ({@code reliableDestroy}). With it set, the kernel keeps an entry whose DESTROY could not be queued and delivers
 * it again later. conntrackd calls this "NetlinkEventsReliable". It is off by default, as in conntrackd.
 *
 * <p><b>Namespaces.</b> A socket belongs to the network namespace of the thread that created it. With
 * {@code Options.withNetns(path)}, every socket is opened by a short-lived thread after setns(2) into that
 * namespace.
 *
 * <p><b>Measured.</b> {@link org.hftfw.conntrack.netlink.NetlinkBench} compares every rate with a minimal batched
 * writer and dump reader measured in the same run ({@link org.hftfw.conntrack.netlink.RawCeiling}: pre-encoded
 * requests, one {@code sendto} per batch, ACK on the last; a dump reader that only walks headers), on this 2-vCPU VM
 * (kernel 6.18). Both are kernel-bound: the raw writer spends no user time and 1.5-3.7 us of system time per entry,
 * depending on the load of the machine, so its own rate ranges from 250k/s to 670k/s. Our {@code createAll} runs at
 * 0.9-1.0 of it and our dump, which decodes every entry into a record, at 0.89 (0.78 before the decoder stopped
 * building error-path strings on valid input). Batches of 128 to 4096 requests per datagram perform alike. Figures
 * and command lines: docs/performance.md.
 */
package org.hftfw.conntrack.netlink;
