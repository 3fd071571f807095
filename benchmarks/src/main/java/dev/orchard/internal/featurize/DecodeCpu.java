package dev.orchard.internal.featurize;

import dev.orchard.internal.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decode-thread CPU per image, split by stage, and an A/B of this tree's {@link ImageDecoder} against another
 * build's (e.g. main's featurize classes), interleaved in one JVM on one thread: thread CPU time
 * ({@link ThreadMXBean}), each round runs every variant over all sample JPEGs {@code --reps} times (the order
 * alternates between rounds), the median over rounds is printed. Wall time is not used (the machine is shared).
 * Caveat: variants in one JVM share native state (ImageIO's JPEG readers, malloc arenas) and were seen to
 * change each other's figures; compare decoders with {@code --only} in separate JVMs.
 *
 * <p>Variants: {@code baseline} (the other build's {@code decodeInto}, if {@code --baseline DIR}), {@code current}
 * ({@code decodeInto}), {@code imageio-setup} (what the decoder did per image before this round: stream and
 * reader lookup, listener, {@code setInput}, size, {@code read}, {@code dispose}), {@code imageio-reuse} (one
 * reader per thread, a new in-memory stream per image, {@code read}), {@code markers} ({@link JpegInfo#parse}),
 * {@code pixels} ({@link Pixels#rgb} of an already decoded image), {@code resize} (resize + preprocessing of
 * packed pixels into the batch array).
 *
 * <pre>
 * mkdir -p /tmp/base/src /tmp/base/classes
 * git archive main core/src/main/java/dev/orchard/internal/featurize | tar -x -C /tmp/base/src
 * javac -nowarn -d /tmp/base/classes -cp "core/target/classes:$(ls benchmarks/target/lib/*.jar | tr '\n' :)" \
 *   /tmp/base/src/core/src/main/java/dev/orchard/internal/featurize/*.java
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.internal.featurize.DecodeCpu --baseline /tmp/base/classes --sizes 96,224 --rounds 11 --reps 4
 * </pre>
 */
public final class DecodeCpu {

    private DecodeCpu() {}

    private interface Op {
        void run(int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path sample = Path.of("data-samples/fruits-sample/Training");
        Path baseline = null;
        int[] sizes = {96, 224};
        int rounds = 11;
        int reps = 4;
        String only = null;
        boolean processCpu = false;
        for (int a = 0; a < args.length; a += 2) {
            switch (args[a]) {
                case "--sample" -> sample = Path.of(args[a + 1]);
                case "--baseline" -> baseline = Path.of(args[a + 1]);
                case "--sizes" -> sizes = Arrays.stream(args[a + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--rounds" -> rounds = Integer.parseInt(args[a + 1]);
                case "--reps" -> reps = Integer.parseInt(args[a + 1]);
                case "--only" -> only = args[a + 1];
                case "--process-cpu" -> processCpu = Boolean.parseBoolean(args[a + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[a]);
            }
        }
        byte[][] jpegs;
        try (Stream<Path> s = Files.walk(sample)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
            jpegs = new byte[files.size()][];
            for (int i = 0; i < jpegs.length; i++) {
                jpegs[i] = Files.readAllBytes(files.get(i));
            }
        }
        BufferedImage[] decoded = new BufferedImage[jpegs.length];
        int[][] packed = new int[jpegs.length][];
        for (int i = 0; i < jpegs.length; i++) {
            decoded[i] = ImageIO.read(new ByteArrayInputStream(jpegs[i]));
            packed[i] = Pixels.rgb(decoded[i]);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "%d images, rounds %d x reps %d, thread CPU, median CPU-us/image%n",
                jpegs.length, rounds, reps);
        for (int size : sizes) {
            ImageDecoder current = new ImageDecoder(size, size, Preprocessing.MOBILENET_V2,
                    ImageDecoder.DEFAULT_MAX_PIXELS);
            float[] out = new float[current.inputLength()];
            Map<String, Op> ops = new LinkedHashMap<>();
            if (baseline != null) {
                Object base = baselineDecoder(baseline, size);
                Method into = base.getClass().getMethod("decodeInto", byte[].class, float[].class, int.class);
                ops.put("baseline", i -> into.invoke(base, jpegs[i], out, 0));
            }
            ops.put("current", i -> current.decodeInto(jpegs[i], out, 0));
            ops.put("imageio-setup", i -> imageioSetup(jpegs[i]));
            ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
            ops.put("imageio-reuse", i -> {
                try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpegs[i]))) {
                    reader.setInput(in, true, true);
                    reader.read(0);
                }
            });
            javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
            BufferedImage dest = new BufferedImage(100, 100, BufferedImage.TYPE_3BYTE_BGR);
            ops.put("imageio-dest", i -> {
                try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpegs[i]))) {
                    reader.setInput(in, true, true);
                    if (reader.getWidth(0) == 100 && reader.getHeight(0) == 100) {
                        param.setDestination(dest);
                    } else {
                        param.setDestination(null);
                    }
                    reader.read(0, param);
                }
            });
            ops.put("markers", i -> JpegInfo.parse(jpegs[i]));
            ops.put("pixels", i -> Pixels.rgb(decoded[i]));
            ops.put("resize", i -> current.resizeInto(packed[i], decoded[i].getWidth(), decoded[i].getHeight(),
                    out, 0));
            TfJpeg tfj = new TfJpeg();
            ops.put("tf-decode", i -> tfj.decode(jpegs[i]));
            TfJpegBatch tfb = new TfJpegBatch(32);
            ops.put("tf-decode-b32", i -> {
                if (i % 32 == 0) {
                    tfb.decode(Arrays.copyOfRange(jpegs, i, i + 32));
                }
            });
            if (only != null) {
                List<String> keep = List.of(only.split(","));
                ops.keySet().retainAll(keep);
            }
            Map<String, List<Double>> us = new LinkedHashMap<>();
            ops.keySet().forEach(k -> us.put(k, new ArrayList<>()));
            List<String> names = new ArrayList<>(ops.keySet());
            for (int r = -2; r < rounds; r++) {  // two warm-up rounds
                List<String> order = new ArrayList<>(names);
                if ((r & 1) == 1) {
                    java.util.Collections.reverse(order);
                }
                for (String name : order) {
                    Op op = ops.get(name);
                    long t0 = processCpu ? os.getProcessCpuTime() : mx.getCurrentThreadCpuTime();
                    for (int k = 0; k < reps; k++) {
                        for (int i = 0; i < jpegs.length; i++) {
                            op.run(i);
                        }
                    }
                    long t1 = processCpu ? os.getProcessCpuTime() : mx.getCurrentThreadCpuTime();
                    if (r >= 0) {
                        us.get(name).add((t1 - t0) / 1e3 / (reps * (double) jpegs.length));
                    }
                }
            }
            for (Map.Entry<String, List<Double>> e : us.entrySet()) {
                double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf(Locale.ROOT, "size %3d  %-14s median %7.1f  (min %7.1f, max %7.1f)%n", size,
                        e.getKey(), v[v.length / 2], v[0], v[v.length - 1]);
            }
        }
    }

    /** What {@code ImageDecoder.read} did per image at main {@code 85ef1fe}, without the pixel copy. */
    private static void imageioSetup(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                reader.getWidth(0);
                reader.getHeight(0);
                reader.read(0);
            } finally {
                reader.dispose();
            }
        }
    }

    /** An {@code ImageDecoder} of the classes under {@code dir}, loaded child-first for the featurize package. */
    private static Object baselineDecoder(Path dir, int size) throws Exception {
        String pkg = DecodeCpu.class.getPackageName() + ".";
        ClassLoader parent = DecodeCpu.class.getClassLoader();
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, parent) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (!name.startsWith(pkg)) {
                    return super.loadClass(name, resolve);
                }
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) {
                        c = findClass(name);
                    }
                    return c;
                }
            }
        };
        Class<?> cls = loader.loadClass(pkg + "ImageDecoder");
        if (cls == ImageDecoder.class) {
            throw new IllegalStateException("baseline resolved to this build's ImageDecoder");
        }
        return cls.getConstructor(int.class, int.class, Preprocessing.class, long.class)
                .newInstance(size, size, Preprocessing.MOBILENET_V2, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** TensorFlow's DecodeJpeg (libjpeg-turbo), one image per run, 1 intra- and 1 inter-op thread. */
    static final class TfJpeg {
        final org.tensorflow.Graph g = new org.tensorflow.Graph();
        final org.tensorflow.Session s;
        final org.tensorflow.op.core.Placeholder<org.tensorflow.types.TString> in;
        final org.tensorflow.Operand<org.tensorflow.types.TUint8> image;

        TfJpeg() {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
            in = tf.placeholder(org.tensorflow.types.TString.class);
            image = tf.image.decodeJpeg(in, org.tensorflow.op.image.DecodeJpeg.channels(3L),
                    org.tensorflow.op.image.DecodeJpeg.dctMethod("INTEGER_ACCURATE"));
            s = new org.tensorflow.Session(g, org.tensorflow.proto.ConfigProto.newBuilder()
                    .setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build());
        }

        byte[] decode(byte[] jpeg) {
            try (org.tensorflow.types.TString t = org.tensorflow.types.TString.tensorOfBytes(
                    org.tensorflow.ndarray.NdArrays.scalarOfObject(jpeg));
                 org.tensorflow.Result r = s.runner().feed(in, t).fetch(image).run()) {
                org.tensorflow.Tensor px = r.get(0);
                long[] shape = px.shape().asArray();
                byte[] data = new byte[(int) (shape[0] * shape[1] * 3)];
                px.asRawTensor().data().read(data);
                return data;
            }
        }
    }

    /** DecodeJpeg of {@code n} images in one run (one op per image on a gathered scalar). */
    static final class TfJpegBatch {
        final org.tensorflow.Graph g = new org.tensorflow.Graph();
        final org.tensorflow.Session s;
        final org.tensorflow.op.core.Placeholder<org.tensorflow.types.TString> in;
        final List<org.tensorflow.Operand<org.tensorflow.types.TUint8>> images = new ArrayList<>();
        final int n;

        TfJpegBatch(int n) {
            this.n = n;
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
            in = tf.placeholder(org.tensorflow.types.TString.class,
                    org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(n)));
            for (int i = 0; i < n; i++) {
                images.add(tf.image.decodeJpeg(tf.gather(in, tf.constant(i), tf.constant(0)),
                        org.tensorflow.op.image.DecodeJpeg.channels(3L),
                        org.tensorflow.op.image.DecodeJpeg.dctMethod("INTEGER_ACCURATE")));
            }
            s = new org.tensorflow.Session(g, org.tensorflow.proto.ConfigProto.newBuilder()
                    .setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build());
        }

        void decode(byte[][] jpegs) {
            try (org.tensorflow.types.TString t = org.tensorflow.types.TString.tensorOfBytes(
                    org.tensorflow.ndarray.Shape.of(n), org.tensorflow.ndarray.buffer.DataBuffers.ofObjects(jpegs))) {
                org.tensorflow.Session.Runner runner = s.runner().feed(in, t);
                images.forEach(runner::fetch);
                try (org.tensorflow.Result r = runner.run()) {
                    for (int i = 0; i < n; i++) {
                        org.tensorflow.Tensor px = r.get(i);
                        byte[] data = new byte[(int) px.numBytes()];
                        px.asRawTensor().data().read(data);
                    }
                }
            }
        }
    }
}
