package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast client's control.socket scanner answers as Typesafe Config does, or not at all. */
class ControlSocketLookupTest {

    /** What the full command line reads: the text over the built-in defaults, resolved; empty when it fails. */
    private static Optional<String> typesafe(String text) {
        try {
            return Optional.of(ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF))
                    .withFallback(SyncSettings.defaults()).resolve().getString("control.socket"));
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "# nothing but a comment\n",
        "control.socket = \"/run/a.ctl\"\n",
        "control.socket = /run/b.ctl\n",
        "control.socket: \"/run/c.ctl\" # trailing comment\n",
        "control { socket = \"/run/d.ctl\" }\n",
        "control {\n  socket = /run/e.ctl // comment\n}\n",
        "{ control.socket = \"/run/f.ctl\" }",
        "\"control\".socket = \"/run/g.ctl\"\n",
        "control.socket = \"/run/1.ctl\"\ncontrol.socket = \"/run/2.ctl\"\n",
        "control.socket = \"/run/1.ctl\"\ncontrol { other = 1 }\n",
        "control = { socket = \"/run/h.ctl\" }, metrics.enabled = false\n",
        "control = 5\ncontrol { socket = \"/run/i.ctl\" }\n",
        "control.socket = \"/run/tab\\tand \\\"quote\\\" \\u0041.ctl\"\n",
        "control.socket = \"\"\"/run/triple.ctl\"\"\"\n",
        "sync { local-address = \"10.0.0.1\", peer-address = \"10.0.0.2\" }\ncontrol.socket = \"rel/sync.ctl\"\n",
        "policy { transitions = [ { from = A, to = B, on = x, control { socket = \"/no\" } } ] }\n",
        "lazy.tick = 20ms\nmigration.commit-command = [\"ssh\", \"fw2\", \"hftfw\", \"commit\"]\ncontrol.socket = /run/j.ctl\n",
        "control.socket = /run/k.ctl\nnested { control.socket = /elsewhere }\n",
        "\"control.socket\" = /not/the/key\n",
    })
    void whenItAnswersItAgreesWithTypesafeConfig(String text) {
        Optional<String> fast = ControlSocketLookup.parse(text);
        assertTrue(fast.isPresent(), "a plain file is read for certain: " + text);
        assertEquals(typesafe(text), fast, text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "include \"other.conf\"\n",
        "control.socket = ${HOME}/sync.ctl\n",
        "control.socket = ${?HFTFW_SOCKET}\n",
        "x = ${HOME}\ncontrol.socket = /run/a.ctl\n",
        "control.socket = \"/run/\" \"a.ctl\"\n",
        "control.socket = [\"/run/a.ctl\"]\n",
        "control.socket { path = x }\n",
        "control = 5\n",
        "control = 5\ncontrol {}\n",
        "control.socket = /run/a.ctl\ncontrol = \"flat\"\n",
        "list += 1\n",
        "control.socket = \"/run/unterminated\n",
        "control { socket = /run/a.ctl\n",
        "control.socket = /run/a.ctl }\n",
        "control.socket = \n",
        "a b = 1\n",
        "control.socket = /run/a.ctl:1\n",
    })
    void whatItDoesNotFollowIsLeftToTheFullReader(String text) {
        assertEquals(Optional.empty(), ControlSocketLookup.parse(text), text);
    }

    @Test
    void theShippedSampleConfigIsReadForCertain() throws Exception {
        Path sample = Path.of("../conf/hftfw.conf");
        String text = Files.readString(sample);
        assertEquals(typesafe(text), ControlSocketLookup.parse(text));
        assertEquals(Optional.of(Path.of(SyncSettings.DEFAULT_CONTROL_SOCKET)), ControlSocketLookup.find(sample));
    }

    @Test
    void aRelativeSocketIsTakenFromTheFilesDirectoryAsTheDaemonDoes(@TempDir Path dir) throws Exception {
        Path conf = Files.writeString(dir.resolve("hftfw.conf"), "sync { local-address = \"10.0.0.1\", "
                + "peer-address = \"10.0.0.2\" }\ncontrol.socket = \"run/sync.ctl\"\n");
        Path daemons = SyncCommand.load(conf).get().control().socket();
        assertEquals(Optional.of(daemons), ControlSocketLookup.find(conf));
        assertEquals(dir.resolve("run/sync.ctl").toAbsolutePath(), daemons.toAbsolutePath());
    }

    @Test
    void anUnreadableOrMissingFileIsLeftToTheFullReader(@TempDir Path dir) throws Exception {
        assertEquals(Optional.empty(), ControlSocketLookup.find(dir.resolve("missing.conf")));
        assertEquals(Optional.empty(), ControlSocketLookup.find(dir));
        Path latin1 = Files.write(dir.resolve("latin1.conf"), new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        assertEquals(Optional.empty(), ControlSocketLookup.find(latin1));
    }
}
