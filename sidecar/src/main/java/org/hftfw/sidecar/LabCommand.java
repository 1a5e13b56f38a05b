package org.hftfw.sidecar;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hftfw.models.lab.NfqueueDelayLine;
import org.hftfw.models.lab.TraceLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hftfw lab …}: the namespace lab that records real conntrack traces. */
@Command(name = "lab", description = "Record real conntrack event logs from generated traffic (needs root).",
        mixinStandardHelpOptions = true, subcommands = LabCommand.Record.class)
final class LabCommand {

    @Command(name = "record", mixinStandardHelpOptions = true,
            description = {"Records a real conntrack event log from generated traffic in lab namespaces.",
                "Builds client/firewall/server namespaces, replays a seeded traffic mix (HTTP, SSH, POP3,",
                "IMAP, FTP, DNS) through the firewall with per-client RTTs from an NFQUEUE delay line, records",
                "'conntrack -E -o timestamp,id' in the firewall, and removes everything again.",
                "Writes OUT/events.log, OUT/rtt.txt, OUT/client.out."})
    // named after its subcommand, like the other commands; nothing here means java.lang.Record
    @SuppressWarnings("AvoidCommonTypeNames")
    static final class Record implements Callable<Integer> {
        @Option(names = "--profile", defaultValue = "heterogeneous",
                description = "latency profile: homogeneous (30 ms), heterogeneous (normal over 20-500 ms) or none (default: ${DEFAULT-VALUE})")
        String profile;
        @Option(names = "--seed", defaultValue = "1", description = "seed of the traffic plan and RTTs (default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--flows", defaultValue = "300", description = "flows to start at most (default: ${DEFAULT-VALUE})")
        int flows;
        @Option(names = "--rate", defaultValue = "5", description = "mean new flows per second (default: ${DEFAULT-VALUE})")
        double rate;
        @Option(names = "--duration", defaultValue = "60", description = "traffic time bound in seconds (default: ${DEFAULT-VALUE})")
        int duration;
        @Option(names = "--tail", defaultValue = "60",
                description = "seconds to wait afterwards for the kernel's late DESTROY events (default: ${DEFAULT-VALUE})")
        int tail;
        @Option(names = "--clients", defaultValue = "40", description = "client addresses, each with its own RTT (default: ${DEFAULT-VALUE})")
        int clients;
        @Option(names = {"-o", "--out"}, required = true, description = "output directory")
        Path out;

        @Override
        public Integer call() throws Exception {
            TraceLab.Spec spec;
            try {
                spec = new TraceLab.Spec(profile, seed, flows, rate, duration, tail, clients, out);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(e.getMessage());
            }
            TraceLab.Result r = new TraceLab(System.out, NfqueueDelayLine.factory(out)).record(spec);
            System.out.println(TraceLab.describe(r));
            return 0;
        }
    }
}
