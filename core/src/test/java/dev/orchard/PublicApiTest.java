package dev.orchard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The API page (docs/library.md) lists exactly the public types of the exported package {@code dev.orchard}. */
class PublicApiTest {

    private static final Path DOC = Path.of("..", "docs", "library.md");
    private static final Path CLASSES = Path.of("target", "classes", "dev", "orchard");

    @Test
    void docsListExactlyThePublicTypesOfTheApiPackage() throws Exception {
        assertEquals(publicTypes(), documentedTypes(), "docs/library.md's API table vs the public types of dev.orchard");
    }

    @Test
    void theApiStaysSmallAndInternalsAreMarked() throws Exception {
        assertTrue(publicTypes().size() <= 25, "the API fits on one page: " + publicTypes());
        String info = Files.readString(Path.of("src", "main", "java", "dev", "orchard", "internal", "package-info.java"));
        assertTrue(info.contains("Not API"), "dev.orchard.internal says it is not API");
    }

    /** Public top-level and public nested types of dev.orchard (by their source names, e.g. Output.Builder). */
    static Set<String> publicTypes() throws IOException, ClassNotFoundException {
        Set<String> out = new TreeSet<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(CLASSES)) {
            s.filter(p -> p.toString().endsWith(".class")).forEach(files::add);
        }
        for (Path f : files) {
            String name = f.getFileName().toString().replace(".class", "");
            if (name.contains("$") || name.equals("package-info")) {
                continue;
            }
            Class<?> c = Class.forName("dev.orchard." + name);
            if (Modifier.isPublic(c.getModifiers())) {
                out.add(name);
                for (Class<?> nested : c.getDeclaredClasses()) {
                    if (Modifier.isPublic(nested.getModifiers())) {
                        out.add(name + "." + nested.getSimpleName());
                    }
                }
            }
        }
        return out;
    }

    /** The backticked names in the first column of the table under "## The API on one page". */
    static Set<String> documentedTypes() throws IOException {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("## The API on one page");
        assertTrue(start >= 0, "docs/library.md has its API section");
        Set<String> out = new TreeSet<>();
        Pattern name = Pattern.compile("`([A-Z][A-Za-z]*(?:\\.[A-Z][A-Za-z]*)?)`");
        for (String line : doc.substring(start).split("\n")) {
            if (line.startsWith("## ") && !line.startsWith("## The API")) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String first = line.substring(1, line.indexOf('|', 1));
            Matcher m = name.matcher(first);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
