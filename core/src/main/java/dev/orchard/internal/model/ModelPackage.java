package dev.orchard.internal.model;

import dev.orchard.ModelException;
import dev.orchard.internal.model.arch.WeightImport;
import dev.orchard.internal.model.weights.WeightsException;
import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import dev.orchard.internal.storage.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A SavedModel packed on the driver for shipping to executors: the whole directory as zip bytes,
 * plus the {@link ModelSpec} resolved from it. Broadcast it once
 * ({@code sc.broadcast(pkg)}) and get the loaded model on executors with
 * {@link ExecutorModels#get}.
 *
 * <p>Immutable and thread-safe. Holds no native resources.
 */
public final class ModelPackage implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * Largest packed model: a broadcast value is one Java array, and VGG16 with its classifier
     * (the largest model Orchard targets, ~530 MB) fits well below.
     */
    public static final long MAX_PACKED_BYTES = 1L << 30;

    /** Default limit on the unpacked size, refusing archives that expand without bound. */
    public static final long MAX_UNPACKED_BYTES = 2L << 30;

    /** Limit on the number of files in a model. */
    public static final int MAX_ENTRIES = 100_000;

    private final byte[] zip;
    private final ModelSpec spec;
    private final String source;

    ModelPackage(byte[] zip, ModelSpec spec, String source) {
        this.zip = Objects.requireNonNull(zip, "zip");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * Packs a local SavedModel directory and resolves its spec.
     *
     * @param dir       the folder holding {@code saved_model.pb} and {@code variables/}
     * @param overrides explicit choices that win over the model's own (nullable fields), or {@code null}
     * @throws ModelException if the model is missing, unreadable, too large or not usable
     */
    public static ModelPackage fromDirectory(Path dir, ModelOverrides overrides) {
        Path root = dir.toAbsolutePath().normalize();
        SavedModelFiles.requireSavedModel(root);
        ModelSpec spec = SpecResolver.resolve(root, overrides);
        return new ModelPackage(zipDirectory(root), spec, root.toString());
    }

    /**
     * Packs the SavedModel at a storage URI: a local path or {@code file://} URI, or an
     * {@code s3://bucket/prefix} whose objects are first downloaded to a temporary folder (deleted
     * afterwards).
     *
     * @throws ModelException if the model is missing, unreadable, too large or not usable
     */
    public static ModelPackage fromUri(String uri, StorageOptions opts, ModelOverrides overrides) {
        Objects.requireNonNull(uri, "uri");
        if (!Storages.isS3(uri)) {
            Path local = Storages.localPath(uri);
            return Files.isRegularFile(local) ? fromWeightsFile(local, overrides) : fromDirectory(local, overrides);
        }
        String prefix = Storages.normalize(uri);
        Path tmp;
        try {
            tmp = Files.createTempDirectory("orchard-model-download-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder for " + uri, e);
        }
        try {
            download(prefix, opts, tmp);
            ModelPackage local = fromDirectory(tmp, overrides);
            return new ModelPackage(local.zip, local.spec, prefix);
        } catch (ModelException e) {
            // Name the URI the user gave, not our temporary folder.
            throw new ModelException(prefix, e.getMessage().replace(tmp.toString(), prefix), e);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Imports a pretrained-weights file (Keras {@code .h5}, {@code .weights.h5}, {@code .keras}, TF.js
     * {@code model.json}) into a SavedModel of the architecture its layer names tell (MobileNetV2 or VGG16),
     * at {@code overrides.imageSize()} or 224, in a temporary folder (deleted afterwards), and packs that:
     * the import runs once, on the driver.
     *
     * @throws ModelException if the file cannot be imported (one line naming the file and the reason)
     */
    public static ModelPackage fromWeightsFile(Path file, ModelOverrides overrides) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("orchard-model-import-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder to import " + file, e);
        }
        try {
            Path dir = tmp.resolve("model");
            WeightImport.export(file, null, null, overrides == null ? null : overrides.imageSize(), dir);
            ModelPackage local = fromDirectory(dir, overrides);
            return new ModelPackage(local.zip, local.spec, file.toAbsolutePath().normalize().toString());
        } catch (WeightsException | IllegalArgumentException e) {
            throw new ModelException(file.toString(), e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelException(file.toString(), "Cannot import weights " + file + ": " + e.getMessage(), e);
        } finally {
            deleteRecursively(tmp);
        }
    }

    private static void download(String prefix, StorageOptions opts, Path target) {
        Storage storage = Storages.forUri(prefix, opts);
        String base = prefix + "/";
        List<StoredObject> objects;
        try {
            objects = storage.list(base);
        } catch (StorageException e) {
            throw new ModelException(prefix, "Cannot list model " + prefix + ": " + e.getMessage(), e);
        }
        if (objects.isEmpty()) {
            throw new ModelException(prefix, "Nothing under " + prefix
                    + ": pass --model the S3 prefix of a SavedModel (the folder holding saved_model.pb)");
        }
        long total = 0;
        for (StoredObject o : objects) {
            if (!o.uri().startsWith(base) || o.uri().endsWith("/")) {
                continue; // a folder marker, or a sibling that merely shares the prefix
            }
            total += o.size();
            if (total > MAX_PACKED_BYTES) {
                throw new ModelException(prefix, "Model " + prefix + " is larger than " + MAX_PACKED_BYTES
                        + " bytes, the most Orchard broadcasts");
            }
            Path file = safeResolve(target, o.uri().substring(base.length()), prefix);
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, storage.readAllBytes(o.uri()));
            } catch (IOException e) {
                throw new ModelException(prefix, "Cannot download " + o.uri() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The spec executors use to feed and fetch. */
    public ModelSpec spec() {
        return spec;
    }

    /** Where the model came from (a path or URI), for messages and reports. */
    public String source() {
        return source;
    }

    /** Size of the packed model in bytes (what the broadcast ships). */
    public long packedBytes() {
        return zip.length;
    }

    /**
     * Unpacks the model into {@code dir} (created if missing), refusing entries that would land
     * outside it and archives that expand beyond {@link #MAX_UNPACKED_BYTES}.
     *
     * @return {@code dir}, now a SavedModel directory
     * @throws ModelException if the archive is unsafe or corrupt; {@code dir} may then hold part of it
     */
    public Path unpackTo(Path dir) {
        return unpackTo(dir, MAX_UNPACKED_BYTES);
    }

    /**
     * As {@link #unpackTo(Path)}, with an explicit limit on the total unpacked bytes.
     *
     * @param maxBytes most bytes written in all, at least 1
     */
    public Path unpackTo(Path dir, long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be >= 1 but was " + maxBytes);
        }
        Path root = dir.toAbsolutePath().normalize();
        long written = 0;
        int entries = 0;
        byte[] buf = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            Files.createDirectories(root);
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (++entries > MAX_ENTRIES) {
                    throw new ModelException(source, "Model archive of " + source + " has more than "
                            + MAX_ENTRIES + " entries: refusing to unpack it");
                }
                Path target = safeResolve(root, e.getName(), source);
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                        written += r;
                        if (written > maxBytes) {
                            throw new ModelException(source, "Model archive of " + source + " expands to more than "
                                    + maxBytes + " bytes: refusing to unpack it (corrupt or not a model?)");
                        }
                        out.write(buf, 0, r);
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelException(source, "Cannot unpack model " + source + " into " + root + ": "
                    + e.getMessage(), e);
        }
        return root;
    }

    /** {@code root/relative}, or a ModelException if that would escape {@code root} (zip-slip). */
    private static Path safeResolve(Path root, String relative, String source) {
        String name = relative.replace('\\', '/');
        Path target = root.resolve(name).normalize();
        if (name.isEmpty() || name.startsWith("/") || !target.startsWith(root) || target.equals(root)) {
            throw new ModelException(source, "Model " + source + " contains an entry '" + relative
                    + "' that would be written outside its folder: refusing to unpack it");
        }
        return target;
    }

    private static byte[] zipDirectory(Path root) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).forEach(files::add);
        } catch (IOException e) {
            throw new ModelException(root.toString(), "Cannot read model directory " + root + ": " + e.getMessage(), e);
        }
        long total = 0;
        for (Path f : files) {
            try {
                total += Files.size(f);
            } catch (IOException e) {
                throw new ModelException(root.toString(), "Cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        if (total > MAX_PACKED_BYTES) {
            throw new ModelException(root.toString(), "Model " + root + " holds " + total + " bytes, more than the "
                    + MAX_PACKED_BYTES + " Orchard broadcasts");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(total + 1024, Integer.MAX_VALUE - 16));
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.setLevel(Deflater.BEST_SPEED);
            for (Path f : files) {
                ZipEntry e = new ZipEntry(root.relativize(f).toString().replace('\\', '/'));
                e.setTime(0L); // same bytes for the same model
                out.putNextEntry(e);
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new ModelException(root.toString(), "Cannot pack model " + root + ": " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /** Deletes {@code dir} and everything under it, best effort (a leftover temporary file is harmless). */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return "ModelPackage[" + source + ", " + zip.length + " bytes, " + spec + "]";
    }
}
