package dev.orchard.internal.sink;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet without Spark SQL and without a Hadoop file system: local files through our own
 * {@link OutputFile}/{@link InputFile}, rows written by column ({@link ParquetRowWriter}) and read through our own
 * {@link ReadSupport}.
 */
final class ParquetFiles {

    /**
     * Rows buffered in memory before a row group is flushed. Lower than Parquet's 128 MiB default
     * because every task of an executor holds its own writers (up to two per task).
     */
    static final long ROW_GROUP_BYTES = 64L << 20;

    private ParquetFiles() {}

    /** A Configuration that does not read *-site.xml files; Parquet only needs it as a map. */
    static Configuration conf() {
        return new Configuration(false);
    }

    /** Opens a Snappy-compressed writer of {@code table} rows to the local file {@code path}. */
    static <T> ParquetRowWriter<T> writer(Path path, Table<T> table) throws IOException {
        return new ParquetRowWriter<>(path, table, ROW_GROUP_BYTES);
    }

    /** Opens a reader of {@code table} rows from the local file {@code path}; the caller closes it. */
    static <T> ParquetReader<T> reader(Path path, Table<T> table, String sourceUri) throws IOException {
        return new ReaderBuilder<>(new LocalInputFile(path), table, sourceUri).withConf(conf()).build();
    }

    private static final class ReaderBuilder<T> extends ParquetReader.Builder<T> {
        private final Table<T> table;
        private final String sourceUri;

        ReaderBuilder(InputFile file, Table<T> table, String sourceUri) {
            super(file);
            this.table = table;
            this.sourceUri = sourceUri;
        }

        @Override
        protected ReadSupport<T> getReadSupport() {
            return new TableReadSupport<>(table, sourceUri);
        }
    }

    /**
     * Reads the table's columns by name, whatever else the file holds, so files written by Spark or
     * pandas with the same column names read too. Vectors may be 3-level LISTs (the standard),
     * legacy 2-level lists or repeated primitives, of float or double elements.
     */
    static final class TableReadSupport<T> extends ReadSupport<T> {
        private final Table<T> table;
        private final String sourceUri;

        TableReadSupport(Table<T> table, String sourceUri) {
            this.table = table;
            this.sourceUri = sourceUri;
        }

        @Override
        public ReadContext init(InitContext context) {
            MessageType file = context.getFileSchema();
            List<Type> keep = new ArrayList<>();
            for (String name : table.columns()) {
                if (!file.containsField(name) && !table.optionalColumns().contains(name)) {
                    throw new PartFileException(sourceUri, sourceUri + " has no column '" + name
                            + "' (it has " + file.getFields().stream().map(Type::getName).toList()
                            + "): not an Orchard " + table.folder() + " part file");
                }
            }
            for (Type t : file.getFields()) {
                if (table.columns().contains(t.getName())) {
                    keep.add(t);
                }
            }
            return new ReadContext(new MessageType(file.getName(), keep));
        }

        @Override
        public RecordMaterializer<T> prepareForRead(Configuration configuration, Map<String, String> keyValueMetaData,
                MessageType fileSchema, ReadContext readContext) {
            return new RowMaterializer<>(table, readContext.getRequestedSchema(), sourceUri);
        }
    }

    /** Collects one row into {@code Object[]} slots in {@link Table#columns()} order. */
    private static final class RowMaterializer<T> extends RecordMaterializer<T> {
        private final Table<T> table;
        private final String sourceUri;
        private final Object[] values;
        private final Root root;
        private long row;

        RowMaterializer(Table<T> table, MessageType schema, String sourceUri) {
            this.table = table;
            this.sourceUri = sourceUri;
            this.values = new Object[table.columns().size()];
            this.root = new Root(schema);
        }

        @Override
        public T getCurrentRecord() {
            return table.fromParquet(values, sourceUri, row++);
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }

        private final class Root extends GroupConverter {
            private final Converter[] converters;
            private final List<VectorBuffer> vectors = new ArrayList<>();

            Root(MessageType schema) {
                converters = new Converter[schema.getFieldCount()];
                for (int i = 0; i < converters.length; i++) {
                    Type t = schema.getType(i);
                    int slot = table.columns().indexOf(t.getName());
                    if (t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)) {
                        converters[i] = scalar(t.asPrimitiveType(), slot);
                    } else {
                        VectorBuffer v = new VectorBuffer(slot, elementType(t));
                        vectors.add(v);
                        converters[i] = t.isPrimitive() ? v.element() : v.group(t.asGroupType(), true);
                    }
                }
            }

            private Converter scalar(PrimitiveType t, int slot) {
                return new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        values[slot] = value.toStringUsingUTF8();
                    }

                    @Override
                    public void addInt(int value) {
                        values[slot] = (long) value;
                    }

                    @Override
                    public void addLong(long value) {
                        values[slot] = value;
                    }

                    @Override
                    public void addFloat(float value) {
                        values[slot] = (double) value;
                    }

                    @Override
                    public void addDouble(double value) {
                        values[slot] = value;
                    }

                    @Override
                    public void addBoolean(boolean value) {
                        values[slot] = value;
                    }
                };
            }

            @Override
            public Converter getConverter(int fieldIndex) {
                return converters[fieldIndex];
            }

            @Override
            public void start() {
                java.util.Arrays.fill(values, null);
                for (VectorBuffer v : vectors) {
                    v.reset();
                }
            }

            @Override
            public void end() {
                for (VectorBuffer v : vectors) {
                    v.finish();
                }
            }
        }

        private static PrimitiveType.PrimitiveTypeName elementType(Type t) {
            while (!t.isPrimitive()) {
                GroupType g = t.asGroupType();
                if (g.getFieldCount() != 1) {
                    throw new IllegalArgumentException("vector column '" + t.getName()
                            + "' must be a list of numbers but is " + t);
                }
                t = g.getType(0);
            }
            return t.asPrimitiveType().getPrimitiveTypeName();
        }

        /** Growable float or double buffer for one vector column of the current row. */
        private final class VectorBuffer {
            private final int slot;
            private final boolean isFloat;
            private float[] floats = new float[16];
            private double[] doubles = new double[16];
            private int size;
            private boolean present;

            VectorBuffer(int slot, PrimitiveType.PrimitiveTypeName type) {
                this.slot = slot;
                this.isFloat = type == PrimitiveType.PrimitiveTypeName.FLOAT;
            }

            void reset() {
                size = 0;
                present = false;
            }

            void finish() {
                if (present) {
                    values[slot] = isFloat ? java.util.Arrays.copyOf(floats, size)
                            : java.util.Arrays.copyOf(doubles, size);
                }
            }

            GroupConverter group(GroupType g, boolean top) {
                Converter[] children = new Converter[g.getFieldCount()];
                for (int i = 0; i < children.length; i++) {
                    Type c = g.getType(i);
                    children[i] = c.isPrimitive() ? element() : group(c.asGroupType(), false);
                }
                return new GroupConverter() {
                    @Override
                    public Converter getConverter(int fieldIndex) {
                        return children[fieldIndex];
                    }

                    @Override
                    public void start() {
                        if (top) {
                            present = true;
                        }
                    }

                    @Override
                    public void end() {}
                };
            }

            PrimitiveConverter element() {
                return new PrimitiveConverter() {
                    @Override
                    public void addFloat(float value) {
                        present = true;
                        if (size == floats.length) {
                            floats = java.util.Arrays.copyOf(floats, size * 2);
                        }
                        floats[size++] = value;
                    }

                    @Override
                    public void addDouble(double value) {
                        present = true;
                        if (size == doubles.length) {
                            doubles = java.util.Arrays.copyOf(doubles, size * 2);
                        }
                        doubles[size++] = value;
                    }

                    @Override
                    public void addInt(int value) {
                        addDouble(value);
                    }

                    @Override
                    public void addLong(long value) {
                        addDouble(value);
                    }
                };
            }
        }
    }

    /** A local file written from the start; {@link #getPos()} counts the bytes written. */
    static final class LocalOutputFile implements OutputFile {
        private final Path path;

        LocalOutputFile(Path path) {
            this.path = path;
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) throws IOException {
            return createOrOverwrite(blockSizeHint);
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
            OutputStream out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), 1 << 16);
            return new PositionOutputStream() {
                private long pos;

                @Override
                public long getPos() {
                    return pos;
                }

                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    pos++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    pos += len;
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }

        @Override
        public String getPath() {
            return path.toString();
        }
    }

    /** A local file read with positioned reads through a {@link FileChannel}. */
    static final class LocalInputFile implements InputFile {
        private final Path path;

        LocalInputFile(Path path) {
            this.path = path;
        }

        @Override
        public long getLength() throws IOException {
            return Files.size(path);
        }

        @Override
        public SeekableInputStream newStream() throws IOException {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
                @Override
                public long getPos() throws IOException {
                    return channel.position();
                }

                @Override
                public void seek(long newPos) throws IOException {
                    channel.position(newPos);
                }
            };
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }
}
