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

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        for (CommandLine sub : c.getSubcommands().values()) {
            if (!into.contains(sub)) {
                collect(sub, into);
            }
        }
    }
}
