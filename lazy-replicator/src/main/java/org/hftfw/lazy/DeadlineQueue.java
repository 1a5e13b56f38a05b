package org.hftfw.lazy;

/**
 * The "alive at B" timer of every state change, as a FIFO: states begin in event-time order and all have the same
 * deadline start + B, so the queue is ordered by deadline and a sweep pops from the head only. An entry is stale
 * (skipped) when its flow has moved to another state since (sequence number mismatch). Grows by doubling; it holds
 * at most the state changes of the last B.
 */
final class DeadlineQueue {
    private FlowRecord[] flows = new FlowRecord[1024];
    private long[] starts = new long[1024];
    private int[] seqs = new int[1024];
    private int head;
    private int size;

    void add(FlowRecord f, long start, int seq) {
        if (size == flows.length) {
            grow();
        }
        int i = (head + size) & (flows.length - 1);
        flows[i] = f;
        starts[i] = start;
        seqs[i] = seq;
        size++;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long headStart() {
        return starts[head];
    }

    FlowRecord headFlow() {
        return flows[head];
    }

    int headSeq() {
        return seqs[head];
    }

    void pop() {
        flows[head] = null;
        head = (head + 1) & (flows.length - 1);
        size--;
    }

    private void grow() {
        int n = flows.length * 2;
        FlowRecord[] f = new FlowRecord[n];
        long[] s = new long[n];
        int[] q = new int[n];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (flows.length - 1);
            f[k] = flows[i];
            s[k] = starts[i];
            q[k] = seqs[i];
        }
        flows = f;
        starts = s;
        seqs = q;
        head = 0;
    }
}
