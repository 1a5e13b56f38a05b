package org.hftfw.ftfw;

/**
 * An intrusive doubly linked FIFO (conntrackd src/queue.c): a node knows the queue it is in, so moving a flow
 * between the transmit and the resend queue, or removing it, is O(1), and a node is never in two queues.
 */
final class NodeQueue {

    /**
     * A queue slot. A flow keeps one node for its lifetime (its latest state replaces {@link #item}); a control
     * message gets a node of its own.
     */
    static final class Node {
        Node prev;
        Node next;
        NodeQueue queue;
        QueueItem item;
        /** The sequence number the item was last sent with. */
        int seq;
        /** Whether the item was last sent as data carrying HELLO. */
        boolean sentWithHello;
        /** The open marked bulk this flow's state was published in, until acknowledged (null: none). */
        MarkedBulk marked;
        /** The paced bulk transfer that counts this flow until it is acknowledged or lost; null for none. */
        BulkTransfer bulk;
        /**
         * A transfer of the marked bulk {@link #marked} queued this flow: its state is sent as a flow of the bulk
         * ({@link Nethdr#F_BULK_FLOW}), also when a live state replaced the transfer's before it went out.
         */
        boolean bulkFlow;

        Node(QueueItem item) {
            this.item = item;
        }
    }

    private Node head;
    private Node tail;
    private int size;

    void add(Node n) {
        if (n.queue != null) {
            throw new IllegalStateException("node already queued");
        }
        n.queue = this;
        n.prev = tail;
        n.next = null;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
        size++;
    }

    void remove(Node n) {
        if (n.queue != this) {
            throw new IllegalStateException("node not in this queue");
        }
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = null;
        n.next = null;
        n.queue = null;
        size--;
    }

    Node poll() {
        Node n = head;
        if (n != null) {
            remove(n);
        }
        return n;
    }

    Node head() {
        return head;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
