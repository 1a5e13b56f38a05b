package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackException.MalformedException;

import java.lang.foreign.MemorySegment;

/** Walks the netlink messages packed in one received datagram. */
final class Datagrams {
    private Datagrams() {}

    /** Called for each well-framed message; return false to stop walking this datagram. */
    @FunctionalInterface
    interface Visitor {
        boolean message(MemorySegment seg, int off, int len, int type, int flags, int seq);
    }

    /**
     * Visits the messages of a datagram of {@code n} bytes. A framing error (header truncated, nlmsg_len below
     * the header size or past the datagram) makes the rest of the datagram unreadable: it throws
     * {@link MalformedException} after the messages before it were visited.
     */
    static void forEach(MemorySegment seg, int n, Visitor v) {
        int pos = 0;
        while (pos < n) {
            if (n - pos < Nl.NLMSG_HDRLEN) {
                throw new MalformedException("truncated netlink header: " + (n - pos) + " bytes left in a datagram of " + n);
            }
            int len = seg.get(NlWriter.H32, pos);
            if (len < Nl.NLMSG_HDRLEN || len > n - pos) {
                throw new MalformedException("netlink message at offset " + pos + " has nlmsg_len " + len + " with "
                        + (n - pos) + " bytes left");
            }
            int type = seg.get(NlWriter.H16, pos + 4) & 0xffff;
            int flags = seg.get(NlWriter.H16, pos + 6) & 0xffff;
            int seq = seg.get(NlWriter.H32, pos + 8);
            if (!v.message(seg, pos, len, type, flags, seq)) {
                return;
            }
            pos += Nl.align(len);
        }
    }

    /** The (positive) errno of an NLMSG_ERROR message, 0 for an ACK. */
    static int errorCode(MemorySegment seg, int off, int len) {
        if (len < Nl.NLMSG_HDRLEN + 4) {
            throw new MalformedException("NLMSG_ERROR of " + len + " bytes has no error code");
        }
        return -seg.get(NlWriter.H32, off + Nl.NLMSG_HDRLEN);
    }
}
