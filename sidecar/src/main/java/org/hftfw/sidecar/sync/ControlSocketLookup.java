package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds {@code control.socket} in a HOCON config file without Typesafe Config, for the fast control client
 * ({@link FastClient}), which must reply within 50 ms of process start and so cannot load a configuration library.
 *
 * <p>Design: a scanner just deep enough to follow HOCON's object nesting (HOCON.md: fields separated by newlines or
 * commas, {@code =}, {@code :} or nothing before an object, dotted and quoted keys, objects merging, a later value
 * replacing an earlier one, {@code #} and {@code //} comments, quoted and triple-quoted strings, arrays). It answers
 * only when it is certain: an {@code include}, a substitution ({@code ${...}}), {@code +=}, a value that is not one
 * string or anything it does not parse make it answer "unsure" (empty), and the caller takes the full command line,
 * which reads the file with Typesafe Config and so gives the same socket, or the same error, as before.
 * {@code ControlSocketLookupTest} holds its answers against Typesafe Config's.
 */
final class ControlSocketLookup {
    /** A config file is a few KiB; a larger one is left to the full reader, which refuses it with its message. */
    private static final long MAX_BYTES = 4 << 20;
    private static final List<String> KEY = List.of("control", "socket");
    /** Characters HOCON forbids in unquoted text. */
    private static final String FORBIDDEN = "$\"{}[]:=,+#`^?!@*&\\";

    private final String text;
    private int i;
    /** The value of control.socket so far: the built-in default until the file sets it; null while unset. */
    private String socket = SyncSettings.DEFAULT_CONTROL_SOCKET;

    /** Thrown at the first thing the scanner does not follow; the caller then reads the file the full way. */
    private static final class Unsure extends Exception {
        private static final long serialVersionUID = 1L;

        Unsure() {
            super(null, null, false, false);
        }
    }

    private ControlSocketLookup(String text) {
        this.text = text;
    }

    /**
     * The control socket that {@code file} configures (relative paths taken from its directory, as the daemon does),
     * or empty when this scanner cannot be certain or the file cannot be read.
     */
    static Optional<Path> find(Path file) {
        try {
            if (!Files.isRegularFile(file) || !Files.isReadable(file) || Files.size(file) > MAX_BYTES) {
                return Optional.empty();
            }
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            Optional<String> s = parse(text);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            Path p = Path.of(s.get());
            return Optional.of(p.isAbsolute() ? p : file.toAbsolutePath().getParent().resolve(p));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** The string value of control.socket in a config text (before path resolution), or empty when unsure. */
    static Optional<String> parse(String text) {
        ControlSocketLookup l = new ControlSocketLookup(text);
        try {
            l.root();
        } catch (Unsure e) {
            return Optional.empty();
        }
        String s = l.socket == null ? null : l.socket.strip();
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private void root() throws Unsure {
        skipBlank();
        if (peek() == '{') {
            i++;
            fields(List.of(), '}');
            i++;
            skipBlank();
        } else {
            fields(List.of(), (char) 0);
        }
        if (i < text.length()) {
            throw new Unsure();
        }
    }

    /**
     * Fields until {@code close} (a brace, or 0 for the end of the text). {@code prefix} is the object's path, or null
     * inside an array, where no assignment is to control.socket.
     */
    private void fields(List<String> prefix, char close) throws Unsure {
        while (true) {
            skipBlank();
            if (i >= text.length()) {
                if (close == 0) {
                    return;
                }
                throw new Unsure();
            }
            if (peek() == close) {
                return;
            }
            if (text.startsWith("include", i)) {
                throw new Unsure();
            }
            List<String> key = key();
            skipSpaces();
            List<String> path = null;
            if (prefix != null) {
                path = new ArrayList<>(prefix);
                path.addAll(key);
            }
            char c = peek();
            if (c == '=' || c == ':') {
                i++;
                skipSpaces();
            } else if (c != '{') {
                throw new Unsure();
            }
            value(path);
            skipSpaces();
            c = peek();
            if (c == ',') {
                i++;
            } else if (c != '\n' && c != close && i < text.length()) {
                throw new Unsure();
            }
        }
    }

    /** A path expression: unquoted runs split at dots, quoted parts taken whole. */
    private List<String> key() throws Unsure {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean any = false;
        while (i < text.length()) {
            char c = peek();
            if (c == '"') {
                if (text.startsWith("\"\"\"", i)) {
                    throw new Unsure();
                }
                part.append(quoted());
                any = true;
            } else if (c == '.') {
                if (!any) {
                    throw new Unsure();
                }
                parts.add(part.toString());
                part.setLength(0);
                any = false;
                i++;
            } else if (isSpace(c) || c == '\n' || FORBIDDEN.indexOf(c) >= 0 || text.startsWith("//", i)) {
                break;
            } else {
                part.append(c);
                any = true;
                i++;
            }
        }
        if (!any) {
            throw new Unsure();
        }
        parts.add(part.toString());
        return parts;
    }

    private void value(List<String> path) throws Unsure {
        char c = peek();
        if (c == '{') {
            i++;
            if (path != null && startsWithKey(path)) {
                throw new Unsure();
            }
            fields(path, '}');
            i++;
        } else if (c == '[') {
            i++;
            array();
            assignNonString(path);
        } else {
            String v = simple();
            if (path != null && path.equals(KEY)) {
                if (v == null) {
                    throw new Unsure();
                }
                socket = v;
            } else if (path != null) {
                assignNonString(path);
            }
        }
    }

    /**
     * A value that is not one plain string: fine elsewhere, unsure at control.socket, fatal to it at control. (A
     * later object at control does not bring the default back: Typesafe Config lets a non-object block the fallback,
     * so only a socket set inside that object counts.)
     */
    private void assignNonString(List<String> path) throws Unsure {
        if (path == null) {
            return;
        }
        if (startsWithKey(path)) {
            throw new Unsure();
        }
        if (isPrefixOfKey(path)) {
            socket = null;
        }
    }

    private static boolean isPrefixOfKey(List<String> path) {
        return path.size() < KEY.size() && KEY.subList(0, path.size()).equals(path);
    }

    private static boolean startsWithKey(List<String> path) {
        return path.size() >= KEY.size() && path.subList(0, KEY.size()).equals(KEY);
    }

    private void array() throws Unsure {
        while (true) {
            skipBlank();
            if (i >= text.length()) {
                throw new Unsure();
            }
            if (peek() == ']') {
                i++;
                return;
            }
            value(null);
            skipSpaces();
            if (peek() == ',') {
                i++;
            }
        }
    }

    /**
     * A value up to the end of its line, comma or closing bracket: the string when it is one quoted or unquoted
     * string, null when it is a concatenation. A substitution anywhere makes the scanner unsure: resolving it is the
     * full reader's job, and so is its error.
     */
    private String simple() throws Unsure {
        String single = null;
        int tokens = 0;
        while (i < text.length()) {
            char c = peek();
            if (c == '\n' || c == ',' || c == '}' || c == ']' || c == '#' || text.startsWith("//", i)) {
                break;
            }
            if (isSpace(c)) {
                i++;
                continue;
            }
            tokens++;
            if (text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                if (end < 0) {
                    throw new Unsure();
                }
                while (end + 3 < text.length() && text.charAt(end + 3) == '"') {
                    end++;
                }
                single = text.substring(i + 3, end);
                i = end + 3;
            } else if (c == '"') {
                single = quoted();
            } else if (FORBIDDEN.indexOf(c) >= 0) {
                throw new Unsure();
            } else {
                int start = i;
                while (i < text.length() && !isSpace(peek()) && peek() != '\n' && FORBIDDEN.indexOf(peek()) < 0
                        && !text.startsWith("//", i)) {
                    i++;
                }
                single = text.substring(start, i);
            }
        }
        if (tokens == 0) {
            throw new Unsure();
        }
        return tokens == 1 ? single : null;
    }

    /** A JSON string at {@code i}, escapes decoded. */
    private String quoted() throws Unsure {
        StringBuilder b = new StringBuilder();
        i++;
        while (i < text.length()) {
            char c = text.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\n') {
                throw new Unsure();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= text.length()) {
                throw new Unsure();
            }
            char e = text.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 > text.length()) {
                        throw new Unsure();
                    }
                    try {
                        b.append((char) Integer.parseInt(text.substring(i, i + 4), 16));
                    } catch (NumberFormatException x) {
                        throw new Unsure();
                    }
                    i += 4;
                }
                default -> throw new Unsure();
            }
        }
        throw new Unsure();
    }

    private char peek() {
        return i < text.length() ? text.charAt(i) : 0;
    }

    private static boolean isSpace(char c) {
        return c != '\n' && (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF');
    }

    /** Spaces and a trailing comment on this line. */
    private void skipSpaces() {
        while (i < text.length()) {
            char c = peek();
            if (isSpace(c)) {
                i++;
            } else if (c == '#' || text.startsWith("//", i)) {
                while (i < text.length() && peek() != '\n') {
                    i++;
                }
            } else {
                return;
            }
        }
    }

    /** Spaces, comments and newlines. */
    private void skipBlank() {
        while (true) {
            skipSpaces();
            if (peek() == '\n') {
                i++;
            } else {
                return;
            }
        }
    }
}
