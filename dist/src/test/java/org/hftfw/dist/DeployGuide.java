package org.hftfw.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The commands of docs/deploy.md as an operator would type them: the {@code sh} code blocks of each numbered
 * section, in order, each split into commands (a line, its backslash continuations, or a here-document up to its
 * delimiter; comment lines dropped). A block whose first line is {@code # on fw1} runs on that node only, any other
 * block on both (the guide's own convention, stated at its top). Other fenced blocks are not commands.
 */
final class DeployGuide {
    private static final Pattern SECTION = Pattern.compile("^## (\\d+)\\. ");
    private static final Pattern ON_NODE = Pattern.compile("^# on (fw[12])\\s*$");
    private static final Pattern HEREDOC = Pattern.compile("<<-?\\s*'?(\\w+)'?");

    /** One {@code sh} block: its node (empty: both) and its commands. */
    record Block(int section, Optional<String> node, List<String> commands) {
        boolean runsOn(String machine) {
            return node.map(machine::equals).orElse(true);
        }
    }

    private final List<Block> blocks;

    private DeployGuide(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    static DeployGuide read(Path markdown) throws IOException {
        List<Block> blocks = new ArrayList<>();
        int section = 0;
        List<String> body = null;
        for (String line : Files.readAllLines(markdown)) {
            if (body != null) {
                if (line.equals("```")) {
                    blocks.add(block(section, body));
                    body = null;
                } else {
                    body.add(line);
                }
                continue;
            }
            Matcher s = SECTION.matcher(line);
            if (s.find()) {
                section = Integer.parseInt(s.group(1));
            } else if (line.equals("```sh")) {
                body = new ArrayList<>();
            }
        }
        if (body != null) {
            throw new IllegalArgumentException(markdown + ": an sh block is not closed");
        }
        return new DeployGuide(blocks);
    }

    private static Block block(int section, List<String> lines) {
        Optional<String> node = Optional.empty();
        int from = 0;
        if (!lines.isEmpty()) {
            Matcher m = ON_NODE.matcher(lines.getFirst());
            if (m.matches()) {
                node = Optional.of(m.group(1));
                from = 1;
            }
        }
        List<String> commands = new ArrayList<>();
        StringBuilder cmd = new StringBuilder();
        String heredocEnd = null;
        for (String line : lines.subList(from, lines.size())) {
            if (heredocEnd != null) {
                cmd.append('\n').append(line);
                if (line.equals(heredocEnd)) {
                    commands.add(cmd.toString());
                    cmd.setLength(0);
                    heredocEnd = null;
                }
                continue;
            }
            if (cmd.isEmpty() && (line.isBlank() || line.stripLeading().startsWith("#"))) {
                continue;
            }
            if (!cmd.isEmpty()) {
                cmd.append('\n');
            }
            cmd.append(line);
            Matcher h = HEREDOC.matcher(line);
            if (h.find()) {
                heredocEnd = h.group(1);
            } else if (!line.endsWith("\\")) {
                commands.add(cmd.toString());
                cmd.setLength(0);
            }
        }
        if (heredocEnd != null || !cmd.isEmpty()) {
            throw new IllegalArgumentException("section " + section + ": an unfinished command: " + cmd);
        }
        return new Block(section, node, commands);
    }

    /** The {@code sh} blocks of section {@code n}, in order. */
    List<Block> section(int n) {
        return blocks.stream().filter(b -> b.section() == n).toList();
    }
}
