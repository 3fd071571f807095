package dev.orchard.internal.storage;

import dev.orchard.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
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
        List<StoredObject> out = new ArrayList<>();
        listRange(KeyRange.all(prefixUri), out::add);
        return out;
    }

    private static Path existingDirectory(String prefixUri) {
        Path root = toPath(prefixUri);
        if (!Files.isDirectory(root)) {
            throw new StorageException(prefixUri, Files.exists(root)
                    ? "Input " + root + " is a file, not a directory: pass the folder that holds the class folders"
                    : "Input directory " + root + " does not exist: check --input");
        }
        return root;
    }

    @Override
    public PrefixLevel listLevel(String prefixUri, long maxDirectObjects) {
        Path root = existingDirectory(prefixUri);
        List<String> children = new ArrayList<>();
        long direct = 0;
        // A directory walk cannot seek, so a local level is never split: direct files are counted, not kept.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    children.add(toUri(p));
                } else if (Files.isRegularFile(p)) {
                    direct++;
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StorageException(prefixUri, "Cannot list " + root + ": " + e.getMessage(), e);
        }
        Collections.sort(children);
        return new PrefixLevel(children, direct, false);
    }

    /** Walks the range's directory (one {@code stat} per file, from the walk itself) and keeps its bounds. */
    @Override
    public void listRange(KeyRange range, Consumer<StoredObject> sink) {
        Path root = existingDirectory(range.prefixUri());
        try {
            Files.walkFileTree(root, Set.of(), range.recursive() ? Integer.MAX_VALUE : 1, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path p, BasicFileAttributes a) throws IOException {
                    BasicFileAttributes attrs = a.isSymbolicLink() ? linkTarget(p) : a;
                    if (attrs != null && attrs.isRegularFile()) {
                        String uri = toUri(p);
                        if (range.inBounds(uri)) {
                            sink.accept(new StoredObject(uri, attrs.size(),
                                    Long.toString(attrs.lastModifiedTime().toMillis())));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                    throw e;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException(range.prefixUri(), "Cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    /** The attributes of a symbolic link's target, or {@code null} for a dangling link (skipped, as before). */
    private static BasicFileAttributes linkTarget(Path link) {
        try {
            return Files.readAttributes(link, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
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
