package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernel log records, classification, machine-check rows, mcelog and rasdaemon output. */
class LogSourcesTest {

    @TempDir
    Path dir;

    @Test
    void parsesKmsgHeader() {
        KmsgRecord r = KmsgRecord.parse("3,1234,5678901,-;EDAC MC0: 1 CE memory read error on CPU_SrcID#0\n"
                + " SUBSYSTEM=edac");
        assertEquals(3, r.level());
        assertEquals(0, r.facility());
        assertEquals(1234, r.seq());
        assertEquals(5678901, r.usec());
        assertEquals("EDAC MC0: 1 CE memory read error on CPU_SrcID#0", r.message());
        assertThrows(IllegalArgumentException.class, () -> KmsgRecord.parse("garbage without semicolon"));
        assertThrows(IllegalArgumentException.class, () -> KmsgRecord.parse("x,1,2,-;msg"));
    }

    @Test
    void classifiesKernelMessages() {
        assertEquals(Optional.of(LogEventClass.EDAC_CE), LogClassifier.classify(
                "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1 slot:0 page:0x12345)"));
        assertEquals(Optional.of(LogEventClass.EDAC_UE), LogClassifier.classify(
                "EDAC MC1: 1 UE memory scrubbing error on CPU_SrcID#1_MC#0_Chan#0_DIMM#0"));
        assertEquals(Optional.of(LogEventClass.MCE_LOGGED), LogClassifier.classify(
                "mce: [Hardware Error]: Machine check events logged"));
        assertEquals(Optional.of(LogEventClass.AER_CORRECTED), LogClassifier.classify(
                "pcieport 0000:00:1c.0: AER: Corrected error received: 0000:03:00.0"));
        assertEquals(Optional.of(LogEventClass.AER_FATAL), LogClassifier.classify(
                "nvme 0000:03:00.0: PCIe Bus Error: severity=Uncorrected (Fatal), type=Transaction Layer, (Receiver ID)"));
        assertEquals(Optional.of(LogEventClass.AER_NONFATAL), LogClassifier.classify(
                "igb 0000:05:00.0: PCIe Bus Error: severity=Uncorrected (Non-Fatal), type=Transaction Layer, (Requester ID)"));
        assertEquals(Optional.of(LogEventClass.THERMAL_THROTTLE), LogClassifier.classify(
                "CPU3: Core temperature above threshold, cpu clock throttled (total events = 1)"));
        assertEquals(Optional.of(LogEventClass.NIC_TX_TIMEOUT), LogClassifier.classify(
                "NETDEV WATCHDOG: eth0 (igb): transmit queue 2 timed out 5120 ms"));
        assertEquals(Optional.of(LogEventClass.CMCI_STORM), LogClassifier.classify(
                "mce: CPU2: CMCI storm detected: switching to poll mode"));
        assertEquals(Optional.empty(), LogClassifier.classify("EDAC MC: Ver: 3.0.0"));
        assertEquals(Optional.empty(), LogClassifier.classify("virtio_net virtio0 eth0: renamed"));
    }

    @Test
    void oneRecordPerReadAndCutFileChunksGiveTheSameCountsAndSeqGapsAreLost() {
        String text = """
                6,10,100,-;EDAC MC0: 1 CE memory read error on DIMM_A1
                 SUBSYSTEM=edac
                 DEVICE=+edac:mc0
                6,11,200,-;random driver chatter
                4,15,300,-;pcieport 0000:00:1c.0: AER: Corrected error received: 0000:03:00.0
                not a record at all
                0,16,400,-;EDAC MC0: 1 UE memory read error on DIMM_A1
                """;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // the device: one record (with its continuation lines) per read
        KmsgStream device = new KmsgStream(0, r -> { });
        for (String rec : text.stripTrailing().split("\n(?! )", -1)) {
            byte[] b = (rec + "\n").getBytes(StandardCharsets.UTF_8);
            device.feed(b, 0, b.length);
        }
        // a file: arbitrary cuts, here every 7 bytes
        List<KmsgRecord> seen = new ArrayList<>();
        KmsgStream file = new KmsgStream(0, seen::add);
        for (int i = 0; i < bytes.length; i += 7) {
            file.feed(bytes, i, Math.min(7, bytes.length - i));
        }
        for (KmsgStream s : List.of(device, file)) {
            assertEquals(1L, s.live().get(LogEventClass.EDAC_CE));
            assertEquals(1L, s.live().get(LogEventClass.EDAC_UE));
            assertEquals(1L, s.live().get(LogEventClass.AER_CORRECTED));
            assertEquals(4, s.records());
            assertEquals(3, s.lost(), "seq 12..14 were overwritten");
            assertEquals(1, s.malformed());
        }
        assertEquals(3, seen.size());
    }

    @Test
    void kmsgSourceSeparatesBootHistoryFromLiveEvents() throws Exception {
        FakeSysfs fake = FakeSysfs.create(dir).file("proc/uptime", "5.00 9.00");
        fake.file("dev/kmsg", """
                3,1,1000000,-;EDAC MC0: 1 CE memory read error
                3,2,6000000,-;EDAC MC0: 1 CE memory read error
                3,3,7000000,-;mce: [Hardware Error]: Machine check events logged
                """);
        KmsgSource k = new KmsgSource(fake.roots());
        k.start();
        SourceSample s = k.sample(1);                   // reads the file to its end: no thread, no wait
        assertEquals(1, Samples.value(s, Metric.LOG_EVENTS, "EDAC_CE"), "the record at 1 s is boot history");
        assertEquals("1 before start-up", Samples.find(s, Metric.LOG_EVENTS, "EDAC_CE").orElseThrow().label());
        assertEquals(1, Samples.value(s, Metric.LOG_EVENTS, "MCE_LOGGED"));
        var d = assertInstanceOf(Availability.Degraded.class, s.availability());
        assertTrue(d.reason().contains("not a live kernel log device"), d.reason());
        k.close();
    }

    @Test
    void missingKmsgIsUnavailable() {
        KmsgSource k = new KmsgSource(FakeSysfs.create(dir).roots());
        k.start();
        var u = assertInstanceOf(Availability.Unavailable.class, k.sample(1).availability());
        assertTrue(u.reason().contains("does not exist"), u.reason());
    }

    @Test
    void machineCheckRowsAreSummedOverCpusAndAbsentRowsAreUnavailable() {
        FakeSysfs fake = FakeSysfs.create(dir).procInterrupts(3, 5, 0)
                .file("proc/meminfo", "MemTotal:       16384 kB\nHardwareCorrupted:     8 kB\n");
        SourceSample s = new MachineCheckSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(3, Samples.value(s, Metric.MCE_EXCEPTIONS, "MCE"));
        assertEquals(24, Samples.value(s, Metric.MCE_POLLS, "MCP"));
        assertEquals(5, Samples.value(s, Metric.THRESHOLD_INTERRUPTS, "THR"));
        assertEquals(8, Samples.value(s, Metric.MEM_POISONED_KB, "meminfo"));

        FakeSysfs vm = FakeSysfs.create(dir.resolve("vm")).file("proc/interrupts",
                "           CPU0       CPU1\nERR:          0\nMIS:          0\n");
        var u = assertInstanceOf(Availability.Unavailable.class, new MachineCheckSource(vm.roots()).sample(1)
                .availability());
        assertTrue(u.reason().contains("no MCE/MCP/THR/DFR rows"), u.reason());
    }

    @Test
    void mcelogRecordsAreClassifiedByStatusUcBit() {
        String log = """
                Hardware event. This is not a software error.
                MCE 0
                CPU 0 BANK 4
                Uncorrected error
                STATUS b200000000100402 MCGSTATUS 0
                MCGCAP c07 APICID 0 SOCKETID 0
                Hardware event. This is not a software error.
                MCE 1
                CPU 2 BANK 0
                Corrected error
                STATUS 90000040000f0005 MCGSTATUS 0
                Hardware event. This is not a software error.
                MCE 2
                CPU 0 THERMAL EVENT TSC 2bfc83b1b8
                STATUS 880003c3 MCGSTATUS 0
                """;
        var c = McelogFileSource.count(log);
        assertEquals(1L, c.get(LogEventClass.MCE_UNCORRECTED));
        assertEquals(1L, c.get(LogEventClass.MCE_CORRECTED));
        assertEquals(1L, c.get(LogEventClass.THERMAL_THROTTLE));
        FakeSysfs fake = FakeSysfs.create(dir).file("var/log/mcelog", log);
        assertEquals(1, Samples.value(new McelogFileSource(fake.roots()).sample(1), Metric.LOG_EVENTS,
                "MCE_UNCORRECTED"));
        assertInstanceOf(Availability.Unavailable.class,
                new McelogFileSource(FakeSysfs.create(dir.resolve("none")).roots()).sample(1).availability());
    }

    @Test
    void rasMcCtlOutputIsCountedAndRunAtMostOncePerInterval() throws Exception {
        Path calls = dir.resolve("calls");
        Path script = dir.resolve("ras-mc-ctl");
        Files.writeString(script, "#!/bin/sh\necho x >> '" + calls + "'\ncat <<'EOF'\n"
                + "Memory controller events:\n"
                + "1 2026-09-30 10:00:00 +0000 3 Corrected error(s): memory read error at CPU_SrcID#0_MC#0_Chan#1_DIMM#0"
                + " location: 0:1:0:-1, addr 65928, grain 7, syndrome 0  area:DRAM\n"
                + "2 2026-09-30 10:05:00 +0000 1 Uncorrected error(s): memory read error at CPU_SrcID#0_MC#0_Chan#1_DIMM#0"
                + " location: 0:1:0:-1, addr 65928, grain 7, syndrome 0\n\n"
                + "PCIe AER events:\n1 2026-09-30 10:00:00 +0000 0000:03:00.0 Corrected error: Receiver Error\n\n"
                + "No MCE errors.\nEOF\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        RasdaemonSource src = new RasdaemonSource(FakeSysfs.create(dir.resolve("t")).roots(), Optional.of(script),
                60_000_000_000L);
        SourceSample s = src.sample(0);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(3, Samples.value(s, Metric.LOG_EVENTS, "EDAC_CE"));
        assertEquals(1, Samples.value(s, Metric.LOG_EVENTS, "EDAC_UE"));
        assertEquals(1, Samples.value(s, Metric.LOG_EVENTS, "AER_CORRECTED"));
        src.sample(30_000_000_000L);
        assertEquals(1, Files.readAllLines(calls).size(), "second sample within the interval reuses the counts");
        src.sample(61_000_000_000L);
        assertEquals(2, Files.readAllLines(calls).size());

        var garbage = RasdaemonSource.parse("Can't locate DBI.pm in @INC");
        assertEquals(1, garbage.problems().size());
        var none = new RasdaemonSource(FakeSysfs.create(dir.resolve("n")).roots(), Optional.empty(), 1).sample(0);
        var u = assertInstanceOf(Availability.Unavailable.class, none.availability());
        assertTrue(u.reason().contains("rasdaemon not installed"), u.reason());
    }
}
