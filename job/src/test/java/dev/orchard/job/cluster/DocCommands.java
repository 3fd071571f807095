package dev.orchard.job.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shell commands of the {@code docs/} pages, as the integration tests run them, so that the
 * documented {@code spark-submit} lines cannot drift from the tested ones.
 *
 * <p>A tested block is the first fenced code block after a line {@code <!-- orchard-it: NAME -->}.
 * It is read as a POSIX shell would read one simple command: {@code #} comments, backslash-newline
 * continuations, single and double quotes, and {@code $VAR} / {@code ${VAR}} expansion (to one word,
 * quoted or not). Every variable must be given by the test: an unknown one fails, so a page can not
 * use a setting the tests do not provide.
 */
public final class DocCommands {

    private final Path page;
    private final String text;

    private DocCommands(Path page, String text) {
        this.page = page;
        this.text = text;
    }

    /** {@code docs/NAME} of the checkout. */
    public static DocCommands page(String name) {
        Path p = ItEnv.repoRoot().resolve("docs").resolve(name);
        try {
            return new DocCommands(p, Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + p, e);
        }
    }

    /** A file of the checkout, by its path from the repository root. */
    public static Path repoFile(String relative) {
        return ItEnv.repoRoot().resolve(relative);
    }

    /** The raw text of the block tagged {@code name}. */
    public String block(String name) {
        String marker = "<!-- orchard-it: " + name + " -->";
        int at = text.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException(page + " has no block " + marker);
        }
        if (text.indexOf(marker, at + marker.length()) >= 0) {
            throw new IllegalStateException(page + " has two blocks " + marker);
        }
        int open = text.indexOf("```", at);
        int bodyStart = text.indexOf('\n', open) + 1;
        int close = text.indexOf("\n```", bodyStart);
        if (open < 0 || close < 0) {
            throw new IllegalStateException(page + ": no fenced code block after " + marker);
        }
        return text.substring(bodyStart, close + 1);
    }

    /** The {@code export NAME=value} lines of a block, values unquoted (no expansion inside them). */
    Map<String, String> exports(String name) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String line : block(name).split("\n")) {
            String l = line.strip();
            if (!l.startsWith("export ")) {
                continue;
            }
            List<String> words = words(l.substring("export ".length()), Map.of(), false);
            for (String w : words) {
                int eq = w.indexOf('=');
                vars.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return vars;
    }

    /** The words of the one command in block {@code name}, variables expanded from {@code vars}. */
    public List<String> command(String name, Map<String, String> vars) {
        return words(block(name), vars, true);
    }

    static List<String> words(String script, Map<String, String> vars, boolean expand) {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '\\' && i + 1 < n && script.charAt(i + 1) == '\n') {
                i += 2;
            } else if (c == ' ' || c == '\t' || c == '\n') {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
                i++;
            } else if (c == '#' && w == null) {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
            } else {
                if (w == null) {
                    w = new StringBuilder();
                }
                if (c == '\'') {
                    int end = script.indexOf('\'', i + 1);
                    requireClosed(end, script);
                    w.append(script, i + 1, end);
                    i = end + 1;
                } else if (c == '"') {
                    int j = i + 1;
                    while (j < n && script.charAt(j) != '"') {
                        char d = script.charAt(j);
                        if (d == '\\' && j + 1 < n && "\"\\$`".indexOf(script.charAt(j + 1)) >= 0) {
                            w.append(script.charAt(j + 1));
                            j += 2;
                        } else if (d == '$' && expand) {
                            j = variable(script, j, vars, w);
                        } else {
                            w.append(d);
                            j++;
                        }
                    }
                    requireClosed(j < n ? j : -1, script);
                    i = j + 1;
                } else if (c == '$' && expand) {
                    i = variable(script, i, vars, w);
                } else if (c == '\\' && i + 1 < n) {
                    w.append(script.charAt(i + 1));
                    i += 2;
                } else {
                    w.append(c);
                    i++;
                }
            }
        }
        if (w != null) {
            words.add(w.toString());
        }
        return words;
    }

    private static int variable(String s, int dollar, Map<String, String> vars, StringBuilder out) {
        int start;
        int end;
        int next;
        if (dollar + 1 < s.length() && s.charAt(dollar + 1) == '{') {
            start = dollar + 2;
            end = s.indexOf('}', start);
            requireClosed(end, s);
            next = end + 1;
        } else {
            start = dollar + 1;
            end = start;
            while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
                end++;
            }
            next = end;
        }
        String name = s.substring(start, end);
        String value = vars.get(name);
        if (value == null) {
            throw new IllegalArgumentException("The documented command uses $" + name
                    + " but the test gives only " + vars.keySet());
        }
        out.append(value);
        return next;
    }

    private static void requireClosed(int end, String script) {
        if (end < 0) {
            throw new IllegalArgumentException("Unclosed quote or ${ in:\n" + script);
        }
    }
}
