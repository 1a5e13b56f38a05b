package org.hftfw.sidecar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes the man page and the bash completion script that the distribution packages install, from the same picocli
 * model the CLI runs, so neither can drift from {@code --help}. Run by dist/build.sh at package time:
 * {@code java -cp ... org.hftfw.sidecar.DistributionDocs OUTDIR}.
 *
 * <p>The man page is troff with one section per command; each command's text is its own usage help, set as
 * preformatted text (picocli already lays out options and subcommands; re-flowing it would lose the columns).
 */
public final class DistributionDocs {
    private DistributionDocs() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: DistributionDocs OUTDIR");
            System.exit(2);
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        Files.writeString(out.resolve("hftfw.1"), manPage(commandLine()), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("hftfw.bash-completion"),
                AutoComplete.bash("hftfw", commandLine()), StandardCharsets.UTF_8);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Hftfw());
        cl.setUsageHelpWidth(100);
        return cl;
    }

    static String manPage(CommandLine root) {
        StringBuilder man = new StringBuilder();
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        man.append(".TH HFTFW 1 \"").append(date).append("\" \"hftfw ").append(escape(Version.number()))
                .append("\" \"hFT-FW manual\"\n");
        man.append(".SH NAME\nhftfw \\- keep a stateful firewall cluster's connections alive through failures\n");
        man.append(".SH SYNOPSIS\n.B hftfw\n.I command\n[\n.I options\n]\n");
        man.append(".SH DESCRIPTION\n");
        for (String line : root.getCommandSpec().usageMessage().description()) {
            man.append(escape(line)).append('\n');
        }
        man.append(".PP\nThe configuration file is /etc/hftfw/hftfw.conf (HOCON, every key commented there).\n");
        man.append(".SH COMMANDS\n");
        appendCommand(man, root);
        man.append(".SH FILES\n.TP\n/etc/hftfw/hftfw.conf\nthe daemon's configuration\n");
        man.append(".TP\n/usr/share/doc/hftfw/examples\nkeepalived configuration and scripts, example configs\n");
        man.append(".SH EXIT STATUS\n0 on success; 1 when the work failed (the reason is printed);"
                + " 2 for a usage error.\n");
        man.append(".SH SEE ALSO\n.BR conntrackd (8),\n.BR conntrack (8),\n.BR keepalived (8)\n");
        return man.toString();
    }

    private static void appendCommand(StringBuilder man, CommandLine cl) {
        if (cl.getCommandSpec().usageMessage().hidden()) {
            return;
        }
        man.append(".SS ").append(escape(cl.getCommandSpec().qualifiedName())).append('\n');
        man.append(".nf\n");
        for (String line : cl.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\n", -1)) {
            man.append(escape(line)).append('\n');
        }
        man.append(".fi\n");
        // picocli maps each alias to the same subcommand object: a set of them writes each command once
        for (CommandLine sub : new LinkedHashSet<>(cl.getSubcommands().values())) {
            if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                appendCommand(man, sub);
            }
        }
    }

    /** troff: backslashes doubled, a leading '.' or '\'' would start a request, so it is protected. */
    static String escape(String text) {
        String s = text.replace("\\", "\\e").replace("-", "\\-");
        return s.startsWith(".") || s.startsWith("'") ? "\\&" + s : s;
    }
}
