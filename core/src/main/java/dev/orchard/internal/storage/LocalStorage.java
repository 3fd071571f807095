package dev.orchard.internal.storage;

import dev.orchard.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Local file system (or a shared mount every executor sees). Writes go to a hidden temporary
 * file in the same directory, then an atomic rename, so no reader ever sees a partial file.
 */
final class LocalStorage implements Storage {

    static final LocalStorage INSTANCE = new LocalStorage();

    private LocalStorage() {}

    static Path toPath(String uri) {
        String u = uri;
        if (u.regionMatches(true, 0, "file://", 0, 7)) {
            u = u.substring(7);
        } else if (u.regionMatches(true, 0, "file:", 0, 5)) {
            u = u.substring(5);
        }
        return Paths.get(u).toAbsolutePath().normalize();
    }

    static String toUri(Path path) {
        return "file://" + path.toAbsolutePath().normalize();
    }

    @Override
    public List<StoredObject> list(String prefixUri) {
        Path root = toPath(prefixUri);
        if (!Files.isDirectory(root)) {
            throw new StorageException(prefixUri, Files.exists(root)
                    ? "Input " + root + " is a file, not a directory: pass the folder that holds the class folders"
                    : "Input directory " + root + " does not exist: check --input");
        }
        List<StoredObject> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).forEach(p -> {
                try {
                    java.nio.file.attribute.BasicFileAttributes a =
                            Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                    out.add(new StoredObject(toUri(p), a.size(), Long.toString(a.lastModifiedTime().toMillis())));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException(prefixUri, "Cannot list " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public byte[] readAllBytes(String uri) throws IOException {
        return Files.readAllBytes(toPath(uri));
    }

    @Override
    public InputStream open(String uri) throws IOException {
        return Files.newInputStream(toPath(uri));
    }

    @Override
    public void upload(Path localFile, String uri) throws IOException {
        Path target = toPath(uri);
        Path tmp = tempSibling(target);
        Files.copy(localFile, tmp, StandardCopyOption.REPLACE_EXISTING);
        moveIntoPlace(tmp, target);
    }

    @Override
    public void write(String uri, byte[] bytes) throws IOException {
        Path target = toPath(uri);
        Path tmp = tempSibling(target);
        Files.write(tmp, bytes);
        moveIntoPlace(tmp, target);
    }

    private static Path tempSibling(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public boolean exists(String uri) {
        return Files.isRegularFile(toPath(uri));
    }

    @Override
    public boolean isEmptyPrefix(String prefixUri) throws IOException {
        Path root = toPath(prefixUri);
        if (!Files.exists(root)) {
            return true;
        }
        if (!Files.isDirectory(root)) {
            return false;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.findAny().isEmpty();
        }
    }

    @Override
    public void delete(String uri) throws IOException {
        Files.deleteIfExists(toPath(uri));
    }

    @Override
    public void deleteRecursively(String prefixUri) throws IOException {
        Path root = toPath(prefixUri);
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                try {
                    Files.deleteIfExists(dir);
                } catch (NoSuchFileException ignored) {
                    // already gone
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
