package org.hftfw.ftfw;

import java.util.Arrays;
import org.hftfw.conntrack.Tuple;

/**
 * The parts of an FT-FW conntrack message that {@link org.hftfw.conntrack.ConntrackEntry} does not model, kept so
 * that a received entry re-encodes byte for byte: master tuple of a related flow, NAT sequence adjustment, SCTP
 * verification tags, DCCP role, connection labels and the synproxy state.
 *
 * @param master     original tuple of the master conntrack (NTA_MASTER_*), or null
 * @param natSeqAdj  NTA_NAT_SEQ_ADJ, or null
 * @param sctpVtagOrig NTA_SCTP_VTAG_ORIG (sent with the SCTP state)
 * @param sctpVtagReply NTA_SCTP_VTAG_REPL
 * @param dccpRole   NTA_DCCP_ROLE (sent with the DCCP state)
 * @param labels     NTA_LABELS, or null
 * @param synproxy   NTA_SYNPROXY, or null
 */
record FlowExtras(Tuple master, NatSeqAdj natSeqAdj, long sctpVtagOrig, long sctpVtagReply, int dccpRole,
                  Labels labels, Synproxy synproxy) {

    static final FlowExtras NONE = new FlowExtras(null, null, 0, 0, 0, null, null);

    /** NTA_NAT_SEQ_ADJ: correction position, offset before and offset after, per direction (u32 each). */
    record NatSeqAdj(long origCorrectionPos, long origOffsetBefore, long origOffsetAfter,
                     long replCorrectionPos, long replOffsetBefore, long replOffsetAfter) {}

    /** NTA_SYNPROXY, in wire order its, isn, tsoff (u32 each). */
    record Synproxy(long its, long isn, long tsoff) {}

    /** NTA_LABELS: the label bitmap as u32 words; the word count is kept because it travels on the wire. */
    // copied in and out, and equals/hashCode/toString below compare the contents
    @SuppressWarnings("ArrayRecordComponent")
    record Labels(int[] words) {
        Labels {
            words = words.clone();
        }

        boolean anySet() {
            for (int w : words) {
                if (w != 0) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int[] words() {
            return words.clone();
        }

        int word(int i) {
            return words[i];
        }

        int count() {
            return words.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Labels l && Arrays.equals(words, l.words);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(words);
        }

        @Override
        public String toString() {
            return "Labels" + Arrays.toString(words);
        }
    }
}
