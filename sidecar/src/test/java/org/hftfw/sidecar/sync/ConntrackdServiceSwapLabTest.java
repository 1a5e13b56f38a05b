package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sidecar.Hftfw;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service swap as an operator does it (issue 11 item 1, docs/conntrackd.md "Switching a node"): the {@code hftfw}
 * process on an unmodified conntrackd.conf. A file holding a keyword hFT-FW cannot honour stops the start naming its
 * line, given as {@code --conntrackd-conf FILE} or as {@code --config FILE} (recognised by its syntax). Without it,
 * {@code --conntrackd-conf FILE} (with an hftfw.conf beside it for the metrics port: the default one, 9477, may be
 * taken on a shared test machine) starts the daemon, which names each keyword it ignores in a warning, answers the
 * stock {@code conntrackd -C FILE -s}, and stops with exit 0 on {@code conntrackd -C FILE -k}.
 */
@Tag("lab")
class ConntrackdServiceSwapLabTest {

    @Test
    void theServiceSwapOnAProcess(@TempDir Path dir) throws Exception {
        SyncLab.assumeCapable();
        try (NetnsLab lab = new NetnsLab("hsw")) {
            NetnsLab.Netns ns = lab.netns("node");
            Path conf = Files.writeString(dir.resolve("conntrackd.conf"), """
                    Sync {
                    	Mode FTFW {
                    		DisableExternalCache Off
                    		CommitTimeout 1800
                    	}
                    	UDP {
                    		IPv4_address 127.0.0.1
                    		IPv4_Destination_Address 127.0.0.2
                    		Port 3780
                    		Interface lo
                    		SndSocketBuffer 1249280
                    		RcvSocketBuffer 1249280
                    		Checksum on
                    	}
                    }
                    General {
                    	Nice -20
                    	HashSize 32768
                    	HashLimit 131072
                    	LogFile on
                    	Syslog on
                    	LockFile %s
                    	UNIX {
                    		Path %s
                    		Backlog 20
                    	}
                    	NetlinkBufferSize 2097152
                    	NetlinkBufferSizeMaxGrowth 8388608
                    	Filter From Userspace {
                    		Protocol Accept {
                    			TCP
                    			UDP
                    		}
                    		Address Ignore {
                    			IPv4_address 127.0.0.1
                    		}
                    	}
                    }
                    """.formatted(dir.resolve("conntrackd.lock"), dir.resolve("conntrackd.ctl")));
            // CommitTimeout is refused by name, the file given either way: the daemon does not start
            for (String option : List.of("--conntrackd-conf", "--config")) {
                Process refused = new ProcessBuilder(hftfw(ns, option, conf)).redirectErrorStream(true).start();
                refused.getOutputStream().close();
                String why = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
                assertTrue(refused.exitValue() != 0 && why.contains("line 4: CommitTimeout is not supported"),
                        option + ": " + why);
            }
            Files.writeString(conf, Files.readString(conf).replace("\t\tCommitTimeout 1800\n", ""));

            List<String> cmd = hftfw(ns, "--conntrackd-conf", conf);
            cmd.addAll(List.of("--config", Files.writeString(dir.resolve("hftfw.conf"),
                    "metrics.address = \"127.0.0.1:0\"\n").toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            StringBuilder out = new StringBuilder();
            try (BufferedReader r = p.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null && !line.contains("running (control socket")) {
                    out.append(line).append('\n');
                }
                assertTrue(line != null, "the daemon did not start:\n" + out);
                assertTrue(line.contains(dir.resolve("conntrackd.ctl").toString()), "UNIX { Path }: " + line);
                for (String ignored : List.of("Nice", "HashSize", "LogFile", "Syslog", "LockFile", "Backlog")) {
                    assertTrue(out.toString().contains("line ") && out.toString().contains(": " + ignored + ":"),
                            ignored + " named in a warning:\n" + out);
                }
                NetnsLab.Result s = ns.exec("conntrackd", "-C", conf.toString(), "-s");
                assertEquals(0, s.exitCode(), s.stderr());
                assertTrue(s.stdout().startsWith("cache internal:\n") && s.stdout().contains("UDP traffic "
                        + "(active device=lo):"), s.stdout());
                NetnsLab.Result k = ns.exec("conntrackd", "-C", conf.toString(), "-k");
                assertEquals(0, k.exitCode(), k.stderr());
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "conntrackd -k stopped it within 30 s");
                for (line = r.readLine(); line != null; line = r.readLine()) {
                    out.append(line).append('\n');
                }
            } finally {
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), out.toString());
            assertTrue(out.toString().contains("stopped cleanly"), out.toString());
        }
    }

    /** {@code hftfw sync both OPTION FILE} in {@code ns}, run as its own Java process. */
    private static List<String> hftfw(NetnsLab.Netns ns, String option, Path file) {
        return new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Hftfw.class.getName(), "sync", "both", option, file.toString(), "--netns", ns.name()));
    }
}
