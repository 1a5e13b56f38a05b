package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel-log source reads only the kernel's log device or a regular file, at most a bounded number of bytes per
 * sample and of bytes per record (issue 14 review G6: {@code kmsg} linked to {@code /dev/zero} spun on the daemon's
 * shared timer thread while the heap grew without a bound).
 */
class KmsgBoundsTest {
    @TempDir
    Path dir;

    @Test
    void aLinkToAnotherDeviceIsRefusedAtStart() throws IOException {
        FakeSysfs fake = FakeSysfs.create(dir).file("proc/uptime", "100.00 50.00\n");
        Files.createSymbolicLink(fake.roots().dev().resolve("kmsg"), Path.of("/dev/zero"));
        KmsgSource k = new KmsgSource(fake.roots());
        k.start();
        // a hang here is the bug: before the check, this sample read /dev/zero for ever
        SourceSample s = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> k.sample(1));
        var u = assertInstanceOf(Availability.Unavailable.class, s.availability());
        assertTrue(u.reason().contains("is not the kernel log device (character device 1:11) nor a regular file"),
                u.reason());
        k.close();
    }

    @Test
    void aFifoIsRefusedAndTheRealDeviceIsAccepted() throws Exception {
        Path fifo = dir.resolve("kmsg-fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        assertTrue(KmsgSource.refusal(fifo).contains("not the kernel log device"), KmsgSource.refusal(fifo));
        if (Files.exists(Path.of("/dev/kmsg"))) {
            assertNull(KmsgSource.refusal(Path.of("/dev/kmsg")));
        }
        Path file = dir.resolve("dump");
        Files.writeString(file, "6,1,100,-;x\n");
        assertNull(KmsgSource.refusal(file));
    }

    @Test
    void aSampleReadsABoundedNumberOfBytesAndTheRestLater() {
        StringBuilder dump = new StringBuilder();
        int records = 0;
        while (dump.length() < 3 * KmsgSource.BYTES_PER_SAMPLE) {
            dump.append("6,").append(records).append(",100,-;EDAC MC0: 1 CE memory read error on DIMM_A1 ")
                    .append("x".repeat(60)).append('\n');
            records++;
        }
        FakeSysfs fake = FakeSysfs.create(dir).file("proc/uptime", "0.00 0.00\n").file("dev/kmsg", dump.toString());
        KmsgSource k = new KmsgSource(fake.roots());
        k.start();
        long first = (long) Samples.value(k.sample(1), Metric.LOG_EVENTS, "EDAC_CE");
        assertTrue(first > 0 && first < records / 2, first + " of " + records + " records in the first sample");
        long read = first;
        for (int i = 2; i < 10 && read < records; i++) {
            read = (long) Samples.value(k.sample(i), Metric.LOG_EVENTS, "EDAC_CE");
        }
        assertEquals(records, read, "the rest is read by the next samples");
        k.close();
    }

    @Test
    void bytesWithoutANewlineDoNotGrowTheBufferAndCountAsOneMalformedRecord() {
        KmsgStream s = new KmsgStream(0, r -> { });
        byte[] zeros = new byte[8192];
        for (int i = 0; i < 1_000; i++) {                     // 8 MB of /dev/zero
            s.feed(zeros, 0, zeros.length);
        }
        byte[] end = "\n6,1,100,-;EDAC MC0: 1 CE memory read error\n".getBytes(StandardCharsets.UTF_8);
        s.feed(end, 0, end.length);
        assertEquals(1, s.malformed());
        assertTrue(s.lastMalformed().startsWith("a record longer than " + KmsgStream.MAX_RECORD + " bytes"),
                s.lastMalformed());
        assertEquals(1, s.records());
        assertEquals(1L, s.live().get(LogEventClass.EDAC_CE));
    }
}
