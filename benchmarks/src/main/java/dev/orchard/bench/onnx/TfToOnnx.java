package dev.orchard.bench.onnx;

import dev.orchard.internal.model.ModelSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Converts a loaded TensorFlow feature-extractor graph (NHWC, as Orchard's {@code MobileNetV2}
 * exports it: {@code Conv2D} / {@code DepthwiseConv2dNative} + {@code BiasAdd} + {@code Relu6},
 * residual {@code AddV2}, global average pool as {@code Mean} over axes 1 and 2) into an ONNX model
 * (opset {@value #OPSET}) with the <b>same weights</b>, read from the session: each variable's
 * value is fetched from TensorFlow, so the floats are exactly those TensorFlow runs with.
 *
 * <p><b>Layout.</b> ONNX {@code Conv} is NCHW. The ONNX graph takes the same NHWC batch as
 * TensorFlow ({@code [N, H, W, 3]}, batch symbolic) and starts with one {@code Transpose}
 * {@code [0, 3, 1, 2]}; kernels are transposed HWIO → OIHW (depthwise {@code [kh, kw, C, 1]} →
 * {@code [C, 1, kh, kw]} with {@code group = C}). ONNX Runtime then picks its own internal layout
 * (its NCHWc transformer at optimization level ALL).
 *
 * <p><b>Mapping.</b> {@code Conv2D}/{@code DepthwiseConv2dNative} → {@code Conv} (SAME →
 * {@code auto_pad=SAME_UPPER}, which pads like TensorFlow: the odd pixel at the end);
 * {@code BiasAdd} right after a convolution → that {@code Conv}'s bias input (otherwise an
 * {@code Add} of a {@code [C, 1, 1]} bias); {@code Relu6} → {@code Clip(0, 6)}; {@code Relu} →
 * {@code Relu}; {@code Add}/{@code AddV2} → {@code Add}; {@code Mean(axes=[1, 2], keep_dims=false)}
 * → {@code GlobalAveragePool} + {@code Flatten}; {@code Identity} disappears. Anything else throws
 * {@link IllegalArgumentException} naming the op.
 */
public final class TfToOnnx {

    public static final int OPSET = 13;

    private final GraphDef graphDef;
    private final Map<String, NodeDef> nodes = new HashMap<>();
    private final Map<String, Integer> consumers = new HashMap<>();
    private final Session session;
    private final String inputOp;
    private final int height;
    private final int width;
    private final OnnxProto.Graph onnx = new OnnxProto.Graph();
    /** TF node name → ONNX value name, for activations. */
    private final Map<String, String> values = new HashMap<>();
    /** ONNX value name → the node that produced it. */
    private final Map<String, OnnxProto.Node> producers = new HashMap<>();
    /** ONNX node name → its output channels, where known (convolutions, the pooled features). */
    private final Map<String, Long> outChannels = new HashMap<>();
    private String clipMin;
    private String clipMax;

    private TfToOnnx(Graph graph, Session session, String inputOp, int height, int width) {
        this.graphDef = graph.toGraphDef();
        this.session = session;
        this.inputOp = inputOp;
        this.height = height;
        this.width = width;
        for (NodeDef n : graphDef.getNodeList()) {
            nodes.put(n.getName(), n);
            for (String in : n.getInputList()) {
                if (!in.startsWith("^")) {
                    int colon = in.lastIndexOf(':');
                    consumers.merge(colon < 0 ? in : in.substring(0, colon), 1, Integer::sum);
                }
            }
        }
    }

    /**
     * The ONNX model (serialized ModelProto) computing {@code output} from {@code input}.
     *
     * @param graph   the TensorFlow graph (e.g. {@code SavedModelBundle.graph()})
     * @param session a session on it whose variables hold the weights (e.g. {@code bundle.session()})
     * @param input   the fed tensor, e.g. {@code input:0}; float32 {@code [-1, height, width, 3]}
     * @param output  the fetched tensor, e.g. {@code features:0}; float32 {@code [-1, d]}
     * @return ModelProto bytes with graph input {@code input} ({@code [N, height, width, 3]}) and
     *         output {@code features} ({@code [N, d]})
     * @throws IllegalArgumentException if the graph holds an op or attribute this converter does not map
     */
    public static byte[] convert(Graph graph, Session session, String input, String output, int height, int width) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(session, "session");
        TfToOnnx c = new TfToOnnx(graph, session, opName(input), height, width);
        String out = c.activation(opName(output));
        c.onnx.add(new OnnxProto.Node("Identity", "features")).in(out).out("features");
        c.onnx.inputs.add(OnnxProto.Graph.valueInfo("input", "N", (long) height, (long) width, 3L));
        c.onnx.outputs.add(OnnxProto.Graph.valueInfo("features", "N", c.channels(out)));
        return OnnxProto.model(c.onnx.toBytes("orchard_" + c.inputOp), OPSET, "orchard-benchmarks TfToOnnx");
    }

    /**
     * Loads the SavedModel in {@code dir} (tag {@code serve}, one thread), converts the graph from
     * {@code spec}'s input to its output, and closes it again.
     */
    public static byte[] fromSavedModel(Path dir, ModelSpec spec) {
        ConfigProto oneThread = ConfigProto.newBuilder().setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(1).build();
        try (SavedModelBundle b = SavedModelBundle.loader(dir.toString()).withTags("serve")
                .withConfigProto(oneThread).load()) {
            return convert(b.graph(), b.session(), spec.inputTensor(), spec.outputTensor(), spec.imageHeight(),
                    spec.imageWidth());
        }
    }

    /** Channels of an ONNX value, from the weights that produced it (the features' width). */
    private long channels(String value) {
        OnnxProto.Node n = producers.get(value);
        while (n != null) {
            Long c = outChannels.get(n.name);
            if (c != null) {
                return c;
            }
            n = producers.get(n.inputs.get(0));
        }
        throw new IllegalArgumentException("cannot tell the channels of " + value);
    }

    /** Emits what computes TF node {@code name} (an activation) and returns its ONNX value name. */
    private String activation(String name) {
        String done = values.get(name);
        if (done != null) {
            return done;
        }
        NodeDef n = node(name);
        String result = switch (n.getOp()) {
            case "Placeholder" -> placeholder(n);
            case "Identity" -> activation(opName(n.getInput(0)));
            case "Conv2D", "DepthwiseConv2dNative" -> conv(n);
            case "BiasAdd" -> biasAdd(n);
            case "Relu6" -> emit(new OnnxProto.Node("Clip", name).in(activation(opName(n.getInput(0))),
                    clipMin(), clipMax()));
            case "Relu" -> emit(new OnnxProto.Node("Relu", name).in(activation(opName(n.getInput(0)))));
            case "Add", "AddV2" -> emit(new OnnxProto.Node("Add", name).in(activation(opName(n.getInput(0))),
                    activation(opName(n.getInput(1)))));
            case "Mean" -> mean(n);
            default -> throw new IllegalArgumentException("TfToOnnx does not map op " + n.getOp() + " (node " + name
                    + ")");
        };
        values.put(name, result);
        return result;
    }

    private String emit(OnnxProto.Node n) {
        String out = n.name;
        n.out(out);
        onnx.add(n);
        producers.put(out, n);
        return out;
    }

    private String placeholder(NodeDef n) {
        if (!n.getName().equals(inputOp)) {
            throw new IllegalArgumentException("placeholder " + n.getName() + " is not the input " + inputOp
                    + ": the output depends on a second input");
        }
        return emit(new OnnxProto.Node("Transpose", "input_nchw").in("input").attr("perm", 0, 3, 1, 2));
    }

    private String conv(NodeDef n) {
        requireAttr(n, "data_format", "NHWC");
        long[] strides = ints(n, "strides");
        if (strides.length != 4 || strides[0] != 1 || strides[3] != 1) {
            throw new IllegalArgumentException(n.getName() + ": strides must be [1, sh, sw, 1] but are "
                    + Arrays.toString(strides));
        }
        if (n.containsAttr("dilations")) {
            for (long d : ints(n, "dilations")) {
                if (d != 1) {
                    throw new IllegalArgumentException(n.getName() + ": dilated convolutions are not mapped");
                }
            }
        }
        String padding = n.getAttrOrThrow("padding").getS().toStringUtf8();
        String autoPad = switch (padding) {
            case "SAME" -> "SAME_UPPER";
            case "VALID" -> "VALID";
            default -> throw new IllegalArgumentException(n.getName() + ": padding " + padding + " is not mapped");
        };
        String x = activation(opName(n.getInput(0)));
        String kernelOp = weightOp(opName(n.getInput(1)));
        Weight k = fetchFloats(kernelOp);
        if (k.shape.length != 4) {
            throw new IllegalArgumentException(n.getName() + ": kernel " + kernelOp + " has shape "
                    + Arrays.toString(k.shape));
        }
        int kh = (int) k.shape[0];
        int kw = (int) k.shape[1];
        int in = (int) k.shape[2];
        int out = (int) k.shape[3];
        boolean depthwise = n.getOp().equals("DepthwiseConv2dNative");
        float[] oihw;
        long[] dims;
        if (depthwise) {
            if (out != 1) {
                throw new IllegalArgumentException(n.getName() + ": depthwise multiplier " + out + " is not mapped");
            }
            oihw = hwioToOihw(k.values, kh, kw, in, 1);
            // depthwise [kh, kw, C, 1] as OIHW is [1, C, kh, kw]; ONNX wants [C, 1, kh, kw]: the same floats
            dims = new long[] {in, 1, kh, kw};
            out = in;
        } else {
            oihw = hwioToOihw(k.values, kh, kw, in, out);
            dims = new long[] {out, in, kh, kw};
        }
        String w = onnx.floats(kernelOp, oihw, dims);
        OnnxProto.Node conv = new OnnxProto.Node("Conv", n.getName()).in(x, w)
                .attr("kernel_shape", kh, kw)
                .attr("strides", strides[1], strides[2])
                .attr("auto_pad", autoPad)
                .attr("group", depthwise ? in : 1);
        outChannels.put(n.getName(), (long) out);
        return emit(conv);
    }

    private String biasAdd(NodeDef n) {
        requireAttr(n, "data_format", "NHWC");
        String x = activation(opName(n.getInput(0)));
        String biasOp = weightOp(opName(n.getInput(1)));
        Weight b = fetchFloats(biasOp);
        OnnxProto.Node producer = producers.get(x);
        boolean fold = producer != null && producer.opType.equals("Conv") && producer.inputs.size() == 2
                && consumers.getOrDefault(opName(n.getInput(0)), 0) == 1;
        if (fold) {
            producer.inputs.add(onnx.floats(biasOp, b.values, b.values.length));
            return x; // the Conv now computes conv + bias
        }
        String bias = onnx.floats(biasOp, b.values, b.values.length, 1, 1);
        return emit(new OnnxProto.Node("Add", n.getName()).in(x, bias));
    }

    private String mean(NodeDef n) {
        if (n.containsAttr("keep_dims") && n.getAttrOrThrow("keep_dims").getB()) {
            throw new IllegalArgumentException(n.getName() + ": Mean with keep_dims is not mapped");
        }
        int[] axes = fetchInts(weightOp(opName(n.getInput(1))));
        Arrays.sort(axes);
        if (!Arrays.equals(axes, new int[] {1, 2})) {
            throw new IllegalArgumentException(n.getName() + ": only Mean over axes [1, 2] (global average pool) is"
                    + " mapped, not " + Arrays.toString(axes));
        }
        String x = activation(opName(n.getInput(0)));
        String pooled = emit(new OnnxProto.Node("GlobalAveragePool", n.getName() + "_pool").in(x));
        OnnxProto.Node flat = new OnnxProto.Node("Flatten", n.getName()).in(pooled).attr("axis", 1L);
        outChannels.put(flat.name, channels(x));
        return emit(flat);
    }

    /** Follows Identity / ReadVariableOp to the op holding a weight. */
    private String weightOp(String name) {
        NodeDef n = node(name);
        return switch (n.getOp()) {
            case "Identity", "ReadVariableOp" -> weightOp(opName(n.getInput(0)));
            case "VariableV2", "Const", "VarHandleOp" -> name;
            default -> throw new IllegalArgumentException("expected a weight (variable or constant) at " + name
                    + " but found op " + n.getOp());
        };
    }

    private record Weight(long[] shape, float[] values) {}

    private Weight fetchFloats(String op) {
        try (Result r = session.runner().fetch(op).run()) {
            Tensor t = r.get(0);
            if (!(t instanceof TFloat32 f)) {
                throw new IllegalArgumentException("weight " + op + " is " + t.dataType() + ", not float32");
            }
            float[] v = new float[Math.toIntExact(f.size())];
            f.copyTo(DataBuffers.of(v, false, false));
            return new Weight(f.shape().asArray(), v);
        }
    }

    private int[] fetchInts(String op) {
        try (Result r = session.runner().fetch(op).run()) {
            Tensor t = r.get(0);
            if (!(t instanceof TInt32 i)) {
                throw new IllegalArgumentException("constant " + op + " is " + t.dataType() + ", not int32");
            }
            int[] v = new int[Math.toIntExact(i.size())];
            i.copyTo(DataBuffers.of(v, false, false));
            return v;
        }
    }

    /**
     * {@code [kh, kw, in, out]} row-major → {@code [out, in, kh, kw]} row-major.
     *
     * @param hwio the kernel (Not modified)
     */
    static float[] hwioToOihw(float[] hwio, int kh, int kw, int in, int out) {
        float[] oihw = new float[hwio.length];
        for (int h = 0; h < kh; h++) {
            for (int w = 0; w < kw; w++) {
                for (int i = 0; i < in; i++) {
                    int src = ((h * kw + w) * in + i) * out;
                    for (int o = 0; o < out; o++) {
                        oihw[((o * in + i) * kh + h) * kw + w] = hwio[src + o];
                    }
                }
            }
        }
        return oihw;
    }

    private String clipMin() {
        if (clipMin == null) {
            clipMin = onnx.floats("relu6_min", new float[] {0f});
        }
        return clipMin;
    }

    private String clipMax() {
        if (clipMax == null) {
            clipMax = onnx.floats("relu6_max", new float[] {6f});
        }
        return clipMax;
    }

    private NodeDef node(String name) {
        NodeDef n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name + " in the graph");
        }
        return n;
    }

    private static long[] ints(NodeDef n, String attr) {
        List<Long> l = n.getAttrOrThrow(attr).getList().getIList();
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    private static void requireAttr(NodeDef n, String attr, String expected) {
        AttrValue v = n.getAttrMap().get(attr);
        String actual = v == null ? "NHWC" : v.getS().toStringUtf8(); // TensorFlow's default
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException(n.getName() + ": " + attr + " must be " + expected + " but is " + actual);
        }
    }

    /** {@code name:0} or {@code name} → {@code name}; other outputs are not mapped. */
    static String opName(String tensor) {
        int colon = tensor.lastIndexOf(':');
        if (colon < 0) {
            return tensor;
        }
        if (!tensor.substring(colon + 1).equals("0")) {
            throw new IllegalArgumentException("only first outputs are mapped, not " + tensor);
        }
        return tensor.substring(0, colon);
    }
}
