package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders without picocli's "Could not format" warning: a description is a format
 * string, so a bare {@code %} (as in "0.5 %") printed three warning lines above {@code hftfw evaluate --help}.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelpRendersWithoutAFormatWarning() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new Hftfw()), all);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        StringBuilder usage = new StringBuilder();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            for (CommandLine c : all) {
                usage.append(c.getUsageMessage());
            }
        } finally {
            System.setErr(oldErr);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals("", e, "picocli's warnings while rendering " + all.size() + " commands' help");
        assertTrue(all.size() > 20 && usage.indexOf("hftfw evaluate") >= 0, "the walk reached the subcommands");
    }

    /**
     * The command list of a parent's {@code --help} shows each subcommand's first description line (or its header's):
     * that line must be a whole sentence. {@code hftfw --help} cut the summaries of train and evaluate mid-sentence
     * ("Builds a model file (knowledge-base tuples, naive Bayes fallback, latency-scaled lifetimes)", issue 12).
     */
    @Test
    void everyCommandsSummaryInItsParentsListIsAWholeSentence() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new Hftfw()), all);
        List<String> cut = new ArrayList<>();
        for (CommandLine c : all) {
            if (c.getParent() == null || c.getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            var usage = c.getCommandSpec().usageMessage();
            String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
            String summary = lines.length == 0 ? "" : lines[0].strip();
            if (!summary.matches("(?s).*[.!?][')\"]*")) {
                cut.add(c.getCommandSpec().qualifiedName() + ": '" + summary + "'");
            }
        }
        assertEquals(List.of(), cut, "summaries cut mid-sentence in the parent's command list");
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        for (CommandLine sub : c.getSubcommands().values()) {
            if (!into.contains(sub)) {
                collect(sub, into);
            }
        }
    }
}
