package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conntrackd 1.4.7-1.4.9 rejection rules, one by one, each counted under its reason. */
class RejectionTest {
    /** The notes' hand-built NEW (TCP ESTABLISHED 10.0.0.1:40000 -> 10.0.0.2:80), 60 bytes. */
    private static final String GOOD = "1020003c000003e8000c00000a0000010a000002000800050000000e0005000206000000"
            + "000800039c40005000050004030000000008000600069780";

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static DropCounters run(byte[] d, int expectedMessages) {
        DropCounters drops = CodecTest.drops();
        List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(drops), d);
        assertEquals(expectedMessages, msgs.size(), () -> "messages " + msgs);
        return drops;
    }

    private static void payloadRejected(String hex, DropReason reason) {
        DropCounters drops = CodecTest.drops();
        List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(drops), hex(hex));
        assertEquals(1, msgs.size());
        FtfwMessage.BadPayload bad = assertInstanceOf(FtfwMessage.BadPayload.class, msgs.getFirst());
        assertEquals(reason, bad.reason());
        assertEquals(1, drops.get(reason));
    }

    @Test
    void wrongVersionDropsTheMessageButNotTheNextOne() {
        String bad = "3" + GOOD.substring(1);
        DropCounters d = run(hex(bad + GOOD), 1);
        assertEquals(1, d.get(DropReason.BAD_VERSION));
    }

    @Test
    void badHeaderCombinations() {
        assertEquals(1, run(hex("1a200008000000010000000000000000"), 0).get(DropReason.BAD_HEADER), "CTL with HELLO only");
        assertEquals(1, run(hex("11010008" + "00000001"), 0).get(DropReason.BAD_HEADER), "data with the unused flag");
        assertEquals(1, run(hex("16000008" + "00000001"), 0).get(DropReason.BAD_HEADER), "type 6");
        assertEquals(1, run(hex("1a080010000000010000000500000004"), 0).get(DropReason.BAD_HEADER), "ACK to before from");
        assertEquals(0, run(hex("1a020010000000010000000500000004"), 1).total(), "RESYNC has no range check");
    }

    @Test
    void sizeAndTruncation() {
        assertEquals(1, run(hex("1a100000" + "00000001"), 0).get(DropReason.BAD_SIZE), "len 0");
        assertEquals(1, run(hex("1a100010" + "00000001"), 0).get(DropReason.BAD_SIZE), "len beyond datagram");
        assertEquals(1, run(hex("1a100004" + "00000001"), 0).get(DropReason.BAD_SIZE), "len below header");
        assertEquals(1, run(hex("1a08000c" + "00000001" + "00000001"), 0).get(DropReason.TRUNCATED), "ACK cut short");
        assertEquals(1, run(hex("1a080010" + "00000001" + "00000001" + "00000001" + "1a10"), 1).get(DropReason.TRUNCATED));
    }

    @Test
    void attributeRules() {
        // unknown id 33
        payloadRejected("1000001000000001" + "0008002100000000", DropReason.ATTR_UNKNOWN);
        // L4PROTO with nta_len 8 instead of 5
        payloadRejected("1000001000000001" + "0008000206000000", DropReason.ATTR_BAD_LENGTH);
        // nta_len past the end of the message
        payloadRejected("1000001000000001" + "0010000206000000", DropReason.ATTR_OVERRUN);
        // nta_len below 4
        payloadRejected("1000001000000001" + "0002000206000000", DropReason.ATTR_TOO_SHORT);
        // helper name longer than NFCT_HELPER_NAME_MAX
        payloadRejected("1000001c00000001" + "0011001b" + "6162636465666768696a6b6c6d00000000", DropReason.ATTR_BAD_LENGTH);
    }

    @Test
    void messagesThatCannotIdentifyAFlow() {
        // IPV4 + L4PROTO tcp, no PORT
        payloadRejected("1000001c00000001000c00000a0000010a000002" + "0005000206000000", DropReason.MISSING_IDENTITY);
        // IPV4 only
        payloadRejected("1000001400000001000c00000a0000010a000002", DropReason.MISSING_IDENTITY);
        // IPV4 udp flow with an SNAT_IPV6 attribute
        payloadRejected("1000003800000001000c00000a0000010a000002" + "0005000211000000" + "0008000300350035"
                + "0014001d" + "fd000000000000000000000000000001", DropReason.INCONSISTENT);
    }

    @Test
    void trailingBytesUnderFiveAreIgnoredLikeConntrackd() {
        // GOOD with len 64 and 4 junk bytes inside the message
        String padded = "10200040" + GOOD.substring(8) + "deadbeef";
        assertEquals(0, run(hex(padded), 1).total());
    }

    @Test
    void expectationMessagesAreDecodedAndCheckedLikeConntrackd() {
        DropCounters d = CodecTest.drops();
        List<FtfwMessage> ok = CodecTest.decode(new FtfwDecoder(d), hex(ExpCodecTest.FTP_NEW));
        assertInstanceOf(FtfwMessage.ExpData.class, ok.getFirst());
        List<FtfwMessage> bad = CodecTest.decode(new FtfwDecoder(d), hex("13000010000000010008001500000000"));
        assertEquals(DropReason.ATTR_UNKNOWN, ((FtfwMessage.BadPayload) bad.getFirst()).reason());
    }
}
