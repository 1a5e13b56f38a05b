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
 * <p><b>Measured.</b> {@link org.hftfw.conntrack.netlink.NetlinkBench} ran with n = 100000 on this 2-vCPU VM
 * (kernel 6.18, conntrack 1.4.7), beside the tool in the same run and namespace:
 * <table>
 *   <caption>NetlinkBench, n = 100000</caption>
 *   <tr><th>work</th><th>ctnetlink over FFM</th><th>conntrack tool</th></tr>
 *   <tr><td>dump 100k</td><td>175k entries/s</td><td>108k/s ({@code -L > /dev/null})</td></tr>
 *   <tr><td>inject 25k</td><td>153k entries/s</td><td>85k/s ({@code -R})</td></tr>
 *   <tr><td>inject 100k</td><td>161k entries/s</td><td>84k/s ({@code -R})</td></tr>
 *   <tr><td>inject 100k, listener on</td><td>65k entries/s</td><td>36k/s</td></tr>
 * </table>
 * <ul>
 *   <li>Batch ACK modes, inject 100k: ACK only the last request 124k/s, ACK every request 66k/s.</li>
 *   <li>Event storm, 100k NEW + 100k DESTROY: 0 events lost here, with 16 MiB. {@code conntrack -E -b 16M} lost
 *       95 % of them and printed 60 ENOBUFS warnings.</li>
 *   <li>With 10k entries, the same code dumps 317k/s and injects 269k/s. Both speeds fall as the table grows,
 *       and the tool's do too. The cost is in the kernel: a 100k run spends about 2.4 s of system CPU for every
 *       1 s of user CPU.</li>
 * </ul>
 */
package org.hftfw.conntrack.netlink;
