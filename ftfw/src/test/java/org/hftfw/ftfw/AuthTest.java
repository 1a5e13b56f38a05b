package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HMAC authentication between two hFT-FW peers, on virtual time. */
class AuthTest {
    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OTHER_KEY = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    static FtfwConfig withKey(byte[] key, boolean require) {
        return FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer())
                .auth(key == null ? null : SyncAuth.of(key, require)).build();
    }

    private static void publish(SimLink s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
    }

    private static ByteBuf forgedUpdate(ConntrackEntry e, int seq) {
        ByteBuf d = Unpooled.buffer();
        FtfwEncoder.writeData(d, FtfwMessage.DataType.UPD, Nethdr.F_HELLO, seq, e, FlowExtras.NONE,
                FtfwEncoder.Options.DEFAULT);
        return d;
    }

    @Test
    void aPairWithTheSameKeyAuthenticatesEveryDatagramAndReplicates() {
        SimLink s = new SimLink(withKey(KEY, false), 1, SEQ_A, SEQ_B);
        publish(s, 0, 2000);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        s.clock.advance(3 * SEC);
        assertTrue(s.a.stats().peer().authenticated() && s.b.stats().peer().authenticated());
        assertTrue(s.a.peerCapabilities().contains(Capability.AUTH));
        assertEquals(0, s.a.pendingFlows());
        assertEquals(0, s.b.stats().authDropped() + s.a.stats().authDropped());
        assertTrue(s.a.stats().bytesTx() / s.a.stats().datagramsTx() <= 1472 - Ext.AUTH_SIZE,
                "datagrams keep room for the trailer");
    }

    @Test
    void forgedDatagramsWithThePeersAddressAreDroppedBeforeTheyTouchState() {
        SimLink s = new SimLink(withKey(KEY, false), 2, SEQ_A, SEQ_B);
        publish(s, 0, 100);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        long lastBefore = s.b.stats().msgsRx();
        ConntrackEntry forged = RandomEntries.tcpFlow(9999, 600);
        ByteBuf plain = forgedUpdate(forged, (int) SEQ_A + 1_000_000);
        s.b.receive(plain, s.cfg.peer());                    // no trailer: the peer's address alone proves nothing
        ByteBuf sealed = forgedUpdate(forged, (int) SEQ_A + 1_000_001);
        new DatagramAuth(SyncAuth.of(OTHER_KEY, false), 1).seal(sealed, s.b.stats().peer().capsSent());
        s.b.receive(sealed, s.cfg.peer());                   // sealed with another key
        plain.release();
        sealed.release();
        FtfwStats b = s.b.stats();
        assertEquals(1, b.dropped(DropReason.AUTH_MISSING));
        assertEquals(1, b.dropped(DropReason.AUTH_BAD_MAC));
        assertEquals(lastBefore, b.msgsRx(), "nothing was decoded");
        assertEquals(0, b.seqResets(), "no forged HELLO reset the sequence");
        assertTrue(s.cacheB.get(forged.original(), 0).isEmpty());
        publish(s, 100, 100);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0, "the real peer is still heard");
    }

    @Test
    void aReplayedDatagramIsDroppedAndSoIsOneCapturedBeforeTheReceiverRestarted() {
        SimLink s = new SimLink(withKey(KEY, false), 3, SEQ_A, SEQ_B);
        List<ByteBuf> captured = new ArrayList<>();
        s.tapAtoB = captured::add;
        publish(s, 0, 50);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        s.tapAtoB = null;
        ByteBuf data = captured.stream().filter(d -> d.readableBytes() > 200).findFirst().orElseThrow();
        s.b.receive(data.duplicate(), s.cfg.peer());
        assertEquals(1, s.b.stats().dropped(DropReason.AUTH_REPLAY));
        s.restartB(SEQ_B + 10_000, true);                    // a new nonce: what was sealed for the old one is void
        s.b.receive(data.duplicate(), s.cfg.peer());
        assertEquals(1, s.b.stats().dropped(DropReason.AUTH_BAD_MAC));
        assertEquals(0, s.cacheB.size(), "the replay did not refill the restarted backup");
        captured.forEach(ByteBuf::release);
    }

    @Test
    void requiredAuthRefusesAPeerWithoutTheKey() {
        SimLink s = new SimLink(withKey(KEY, true), withKey(null, false), 4, SEQ_A, SEQ_B);
        publish(s, 0, 100);
        s.clock.advance(5 * SEC);
        assertEquals(0, s.cacheB.size(), "nothing but CAPS goes to a peer that does not authenticate");
        assertEquals(0, s.a.stats().dataTx());
        assertTrue(s.a.stats().dropped(DropReason.AUTH_MISSING) > 0, "its plain datagrams are dropped and counted");
        assertEquals(0, s.a.stats().msgsRx());
    }

    @Test
    void requiredAuthCannotBeDowngradedByAForgedPlainCaps() {
        SimLink s = new SimLink(withKey(KEY, true), withKey(KEY, true), 5, SEQ_A, SEQ_B);
        publish(s, 0, 100);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        ByteBuf caps = Unpooled.buffer();
        Ext.writeCaps(caps, false, 0, 0, 42, 0);
        s.b.receive(caps, s.cfg.peer());
        caps.release();
        assertEquals(1, s.b.stats().dropped(DropReason.AUTH_MISSING));
        publish(s, 100, 100);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        assertTrue(s.b.stats().peer().authenticated());
    }

    @Test
    void theKeyFileMustBePrivateAndLongEnough(@TempDir Path dir) throws IOException {
        Path ok = dir.resolve("ok.key");
        Files.write(ok, KEY);
        Files.setPosixFilePermissions(ok, PosixFilePermissions.fromString("rw-------"));
        assertTrue(SyncAuth.fromKeyFile(ok, true).require());
        Path open = dir.resolve("open.key");
        Files.write(open, KEY);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> SyncAuth.fromKeyFile(open, false));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Path shortKey = dir.resolve("short.key");
        Files.write(shortKey, new byte[31]);
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("r--------"));
        e = assertThrows(IOException.class, () -> SyncAuth.fromKeyFile(shortKey, false));
        assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());
    }
}
