package dev.orchard.bench.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The few ONNX protobuf messages an inference graph of float tensors needs, written by hand with
 * protobuf's {@link CodedOutputStream} (the onnxruntime jar ships no ONNX proto classes). Field
 * numbers are those of {@code onnx/onnx.proto} (IR version 7, opset 13):
 *
 * <pre>
 * ModelProto         ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
 * OperatorSetIdProto domain 1, version 2
 * GraphProto         node 1, name 2, initializer 5, input 11, output 12
 * NodeProto          input 1, output 2, name 3, op_type 4, attribute 5
 * AttributeProto     name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7)
 * TensorProto        dims 1, data_type 2 (FLOAT 1, INT64 7), name 8, raw_data 9 (little-endian)
 * ValueInfoProto     name 1, type 2
 * TypeProto          tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 | dim_param 2 } } }
 * </pre>
 *
 * Repeated scalars are written unpacked, which every protobuf parser accepts.
 */
final class OnnxProto {

    static final int IR_VERSION = 7;
    static final int FLOAT = 1;
    static final int INT64 = 7;

    private OnnxProto() {}

    /** One node, mutable until {@link Graph#toBytes()} so that a later op can be folded into it. */
    static final class Node {
        final String opType;
        final String name;
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
        final List<byte[]> attributes = new ArrayList<>();

        Node(String opType, String name) {
            this.opType = opType;
            this.name = name;
        }

        Node in(String... names) {
            inputs.addAll(List.of(names));
            return this;
        }

        Node out(String value) {
            outputs.add(value);
            return this;
        }

        Node attr(String attrName, long value) {
            attributes.add(message(c -> {
                c.writeString(1, attrName);
                c.writeInt64(3, value);
                c.writeEnum(20, 2);
            }));
            return this;
        }

        Node attr(String attrName, long... values) {
            attributes.add(message(c -> {
                c.writeString(1, attrName);
                for (long v : values) {
                    c.writeInt64(8, v);
                }
                c.writeEnum(20, 7);
            }));
            return this;
        }

        Node attr(String attrName, String value) {
            attributes.add(message(c -> {
                c.writeString(1, attrName);
                c.writeByteArray(4, value.getBytes(StandardCharsets.UTF_8));
                c.writeEnum(20, 3);
            }));
            return this;
        }

        byte[] toBytes() {
            return message(c -> {
                for (String s : inputs) {
                    c.writeString(1, s);
                }
                for (String s : outputs) {
                    c.writeString(2, s);
                }
                c.writeString(3, name);
                c.writeString(4, opType);
                for (byte[] a : attributes) {
                    c.writeByteArray(5, a);
                }
            });
        }
    }

    /** A graph under construction: nodes in topological order, initializers, inputs and outputs. */
    static final class Graph {
        final List<Node> nodes = new ArrayList<>();
        final List<byte[]> initializers = new ArrayList<>();
        final List<byte[]> inputs = new ArrayList<>();
        final List<byte[]> outputs = new ArrayList<>();
        private long initializerBytes;

        Node add(Node n) {
            nodes.add(n);
            return n;
        }

        /** A float initializer; {@code values} row-major in {@code dims} (Not modified). */
        String floats(String name, float[] values, long... dims) {
            long count = 1;
            for (long d : dims) {
                count *= d;
            }
            if (count != values.length) {
                throw new IllegalArgumentException("initializer " + name + " of dims " + java.util.Arrays.toString(dims)
                        + " needs " + count + " floats but got " + values.length);
            }
            ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(values);
            initializers.add(tensor(name, FLOAT, dims, raw.array()));
            initializerBytes += raw.capacity();
            return name;
        }

        /** An int64 initializer of {@code dims}. */
        String longs(String name, long[] values, long... dims) {
            ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            raw.asLongBuffer().put(values);
            initializers.add(tensor(name, INT64, dims, raw.array()));
            return name;
        }

        /**
         * A float graph input or output.
         *
         * @param dims each a {@link Long} (fixed) or a {@link String} (symbolic, e.g. the batch)
         */
        static byte[] valueInfo(String name, Object... dims) {
            byte[] shape = message(c -> {
                for (Object d : dims) {
                    c.writeByteArray(1, message(dc -> {
                        if (d instanceof String s) {
                            dc.writeString(2, s);
                        } else {
                            dc.writeInt64(1, ((Number) d).longValue());
                        }
                    }));
                }
            });
            byte[] tensorType = message(c -> {
                c.writeInt32(1, FLOAT);
                c.writeByteArray(2, shape);
            });
            byte[] type = message(c -> c.writeByteArray(1, tensorType));
            return message(c -> {
                c.writeString(1, name);
                c.writeByteArray(2, type);
            });
        }

        long initializerBytes() {
            return initializerBytes;
        }

        byte[] toBytes(String name) {
            return message(c -> {
                for (Node n : nodes) {
                    c.writeByteArray(1, n.toBytes());
                }
                c.writeString(2, name);
                for (byte[] t : initializers) {
                    c.writeByteArray(5, t);
                }
                for (byte[] v : inputs) {
                    c.writeByteArray(11, v);
                }
                for (byte[] v : outputs) {
                    c.writeByteArray(12, v);
                }
            });
        }
    }

    /** A ModelProto holding {@code graph} against the default ONNX domain at {@code opset}. */
    static byte[] model(byte[] graph, int opset, String producer) {
        byte[] opsetId = message(c -> {
            c.writeString(1, "");
            c.writeInt64(2, opset);
        });
        return message(c -> {
            c.writeInt64(1, IR_VERSION);
            c.writeString(2, producer);
            c.writeString(3, "0.1.0");
            c.writeByteArray(7, graph);
            c.writeByteArray(8, opsetId);
        });
    }

    private static byte[] tensor(String name, int dataType, long[] dims, byte[] raw) {
        return message(c -> {
            for (long d : dims) {
                c.writeInt64(1, d);
            }
            c.writeInt32(2, dataType);
            c.writeString(8, name);
            c.writeByteArray(9, raw);
        });
    }

    @FunctionalInterface
    private interface Body {
        void write(CodedOutputStream c) throws IOException;
    }

    private static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream c = CodedOutputStream.newInstance(bytes);
            body.write(c);
            c.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
    }
}
