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
 * process started on an unmodified conntrackd.conf, by {@code --conntrackd-conf FILE} and by {@code --config FILE}
 * (recognised by its syntax); it logs the keywords it ignores by name, the stock {@code conntrackd -C FILE -s}
 * answers from it, and {@code conntrackd -C FILE -k} stops it with exit 0.
 */
@Tag("lab")
class ConntrackdServiceSwapLabTest {

    @Test
    void startedByConntrackdConf(@TempDir Path dir) throws Exception {
        swap(dir, "--conntrackd-conf");
    }

    @Test
    void startedByConfigRecognisingAConntrackdConf(@TempDir Path dir) throws Exception {
        swap(dir, "--config");
    }

    private static void swap(Path dir, String option) throws Exception {
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
            List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Hftfw.class.getName(), "sync", "both", option, conf.toString(), "--netns", ns.name()));
            // CommitTimeout is refused by name: the daemon does not start
            Process refused = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            refused.getOutputStream().close();
            String why = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
            assertTrue(refused.exitValue() != 0 && why.contains("line 4: CommitTimeout is not supported"), why);
            Files.writeString(conf, Files.readString(conf).replace("\t\tCommitTimeout 1800\n", ""));

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
}
