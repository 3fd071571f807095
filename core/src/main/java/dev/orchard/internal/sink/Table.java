package dev.orchard.internal.sink;

import java.io.IOException;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.List;

import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;

/**
 * One of the three output tables: its folder, Parquet schema and CSV header, and how a record
 * becomes a row and back. Stateless singletons, serializable into Spark closures.
 */
abstract class Table<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    static final Table<FeatureRecord> FEATURES = new Features();
    static final Table<PcaRecord> PCA = new Pca();
    static final Table<ErrorRecord> ERRORS = new Errors();
    static final Table<ChangeRecord> CHANGES = new Changes();

    /** The column of each image's content identity; absent from outputs written before it existed. */
    static final String CONTENT_ID = "content_id";

    /** Folder under the output root, also the table's name: features, pca or errors. */
    abstract String folder();

    abstract MessageType schema();

    /** Columns read back, in the order of the {@code values} passed to {@link #fromParquet}. */
    abstract List<String> columns();

    /** Those of {@link #columns()} a file may lack (older outputs): their value is then null. */
    List<String> optionalColumns() {
        return List.of();
    }

    /** Parquet column paths worth dictionary encoding (few distinct values). */
    abstract List<String> dictionaryColumns();

    /** Length of the record's vector; 0 for a table without one. */
    abstract int width(T record);

    /** The record's image id, for error messages. */
    abstract String id(T record);

    abstract void writeRow(ParquetRowWriter<T> w, T record);

    /**
     * @param values   one value per {@link #columns()} entry: String, Long, float[] or double[],
     *                 or null where the row has none
     * @param row      0-based row in the file, for error messages
     */
    abstract T fromParquet(Object[] values, String source, long row);

    /** The CSV header for a vector of {@code width} values. */
    abstract String[] csvHeader(int width);

    abstract void writeCsv(Csv.CsvWriter w, T record) throws IOException;

    /** Checks a CSV header and returns the vector width it declares. */
    abstract int checkCsvHeader(String[] header, String source);

    /**
     * @param width   the vector width {@link #checkCsvHeader} returned
     * @param columns the number of columns of the header (older outputs have no {@code content_id})
     */
    abstract T fromCsv(String[] fields, int width, int columns, String source, long line);

    // ---------------------------------------------------------------- helpers

    static String requireString(Object v, String column, String source, long row) {
        if (v instanceof String s) {
            return s;
        }
        throw new PartFileException(source, source + " row " + row + ": column '" + column
                + "' is " + (v == null ? "missing" : "not a string"));
    }

    static int requireInt(Object v, String column, String source, long row) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw new PartFileException(source, source + " row " + row + ": column '" + column
                + "' is " + (v == null ? "missing" : "not a 32-bit integer: " + v));
    }

    static float[] requireFloats(Object v, String column, String source, long row) {
        if (v instanceof float[] f) {
            return f;
        }
        if (v instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        throw new PartFileException(source, source + " row " + row + ": column '" + column + "' is missing");
    }

    static double[] requireDoubles(Object v, String column, String source, long row) {
        if (v instanceof double[] d) {
            return d;
        }
        if (v instanceof float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        throw new PartFileException(source, source + " row " + row + ": column '" + column + "' is missing");
    }

    static String[] vectorHeader(String[] fixed, String prefix, int width) {
        String[] h = new String[fixed.length + width];
        System.arraycopy(fixed, 0, h, 0, fixed.length);
        for (int i = 0; i < width; i++) {
            h[fixed.length + i] = prefix + i;
        }
        return h;
    }

    /**
     * Checks {@code fixed,prefix0,prefix1,…}; where {@code fixed} ends with {@code content_id}, a header
     * without it (an older output) is accepted too. Returns the vector width.
     */
    static int checkVectorHeader(String[] header, String[] fixed, String prefix, String source) {
        int n = fixed.length;
        if (fixed[n - 1].equals(CONTENT_ID) && !(header.length >= n && CONTENT_ID.equals(header[n - 1]))) {
            n--; // written before the column existed
        }
        boolean ok = header.length >= n;
        for (int i = 0; ok && i < header.length; i++) {
            String want = i < n ? fixed[i] : prefix + (i - n);
            ok = want.equals(header[i]);
        }
        if (!ok) {
            throw new PartFileException(source, source + ": CSV header must be " + String.join(",", fixed) + ","
                    + prefix + "0,… but was " + abbreviate(String.join(",", header)));
        }
        return header.length - n;
    }

    static String optionalString(Object v) {
        return v instanceof String s ? s : "";
    }

    static void checkFieldCount(String[] fields, int expected, String source, long line) {
        if (fields.length != expected) {
            throw new PartFileException(source, source + " line " + line + ": " + fields.length
                    + " fields but the header has " + expected);
        }
    }

    static int parseInt(String s, String column, String source, long line) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new PartFileException(source, source + " line " + line + ": " + column
                    + " is not an integer: '" + abbreviate(s) + "'", e);
        }
    }

    static float parseFloat(String s, String column, String source, long line) {
        try {
            return Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw new PartFileException(source, source + " line " + line + ": " + column
                    + " is not a number: '" + abbreviate(s) + "'", e);
        }
    }

    static double parseDouble(String s, String column, String source, long line) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new PartFileException(source, source + " line " + line + ": " + column
                    + " is not a number: '" + abbreviate(s) + "'", e);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    // ---------------------------------------------------------------- tables

    private static final class Features extends Table<FeatureRecord> {
        private static final long serialVersionUID = 1L;
        private static final String[] FIXED = {"image_id", "label", "label_index", CONTENT_ID};
        private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
                message orchard_features {
                  required binary image_id (STRING);
                  required binary label (STRING);
                  required int32 label_index;
                  optional binary content_id (STRING);
                  optional group features (LIST) {
                    repeated group list {
                      required float element;
                    }
                  }
                }""");

        @Override
        String folder() {
            return "features";
        }

        @Override
        MessageType schema() {
            return SCHEMA;
        }

        @Override
        List<String> columns() {
            return List.of("image_id", "label", "label_index", "features", CONTENT_ID);
        }

        @Override
        List<String> optionalColumns() {
            return List.of(CONTENT_ID);
        }

        @Override
        List<String> dictionaryColumns() {
            return List.of("label");
        }

        @Override
        int width(FeatureRecord r) {
            return r.features().length;
        }

        @Override
        String id(FeatureRecord r) {
            return r.imageId();
        }

        @Override
        void writeRow(ParquetRowWriter<FeatureRecord> w, FeatureRecord r) {
            w.string(0, r.imageId());
            w.string(1, r.label());
            w.int32(2, r.labelIndex());
            w.string(3, r.contentId());
            w.floatList(4, r.features());
        }

        @Override
        FeatureRecord fromParquet(Object[] v, String source, long row) {
            return new FeatureRecord(requireString(v[0], "image_id", source, row),
                    requireString(v[1], "label", source, row), requireInt(v[2], "label_index", source, row),
                    requireFloats(v[3], "features", source, row), optionalString(v[4]));
        }

        @Override
        String[] csvHeader(int width) {
            return vectorHeader(FIXED, "f_", width);
        }

        @Override
        void writeCsv(Csv.CsvWriter w, FeatureRecord r) throws IOException {
            w.field(r.imageId()).field(r.label()).field(r.labelIndex()).field(r.contentId());
            for (float x : r.features()) {
                w.field(x);
            }
            w.endRecord();
        }

        @Override
        int checkCsvHeader(String[] header, String source) {
            return checkVectorHeader(header, FIXED, "f_", source);
        }

        @Override
        FeatureRecord fromCsv(String[] f, int width, int columns, String source, long line) {
            checkFieldCount(f, columns, source, line);
            int first = columns - width;
            float[] v = new float[width];
            for (int i = 0; i < width; i++) {
                v[i] = parseFloat(f[first + i], "f_" + i, source, line);
            }
            return new FeatureRecord(f[0], f[1], parseInt(f[2], "label_index", source, line), v,
                    first > 3 ? f[3] : "");
        }

        private Object readResolve() throws ObjectStreamException {
            return FEATURES;
        }
    }

    private static final class Pca extends Table<PcaRecord> {
        private static final long serialVersionUID = 1L;
        private static final String[] FIXED = {"image_id", "label", "label_index"};
        private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
                message orchard_pca {
                  required binary image_id (STRING);
                  required binary label (STRING);
                  required int32 label_index;
                  optional group pca (LIST) {
                    repeated group list {
                      required double element;
                    }
                  }
                }""");

        @Override
        String folder() {
            return "pca";
        }

        @Override
        MessageType schema() {
            return SCHEMA;
        }

        @Override
        List<String> columns() {
            return List.of("image_id", "label", "label_index", "pca");
        }

        @Override
        List<String> dictionaryColumns() {
            return List.of("label");
        }

        @Override
        int width(PcaRecord r) {
            return r.pca().length;
        }

        @Override
        String id(PcaRecord r) {
            return r.imageId();
        }

        @Override
        void writeRow(ParquetRowWriter<PcaRecord> w, PcaRecord r) {
            w.string(0, r.imageId());
            w.string(1, r.label());
            w.int32(2, r.labelIndex());
            w.doubleList(3, r.pca());
        }

        @Override
        PcaRecord fromParquet(Object[] v, String source, long row) {
            return new PcaRecord(requireString(v[0], "image_id", source, row),
                    requireString(v[1], "label", source, row), requireInt(v[2], "label_index", source, row),
                    requireDoubles(v[3], "pca", source, row));
        }

        @Override
        String[] csvHeader(int width) {
            return vectorHeader(FIXED, "pc_", width);
        }

        @Override
        void writeCsv(Csv.CsvWriter w, PcaRecord r) throws IOException {
            w.field(r.imageId()).field(r.label()).field(r.labelIndex());
            for (double x : r.pca()) {
                w.field(x);
            }
            w.endRecord();
        }

        @Override
        int checkCsvHeader(String[] header, String source) {
            return checkVectorHeader(header, FIXED, "pc_", source);
        }

        @Override
        PcaRecord fromCsv(String[] f, int width, int columns, String source, long line) {
            checkFieldCount(f, FIXED.length + width, source, line);
            double[] v = new double[width];
            for (int i = 0; i < width; i++) {
                v[i] = parseDouble(f[FIXED.length + i], "pc_" + i, source, line);
            }
            return new PcaRecord(f[0], f[1], parseInt(f[2], "label_index", source, line), v);
        }

        private Object readResolve() throws ObjectStreamException {
            return PCA;
        }
    }

    private static final class Errors extends Table<ErrorRecord> {
        private static final long serialVersionUID = 1L;
        private static final String[] HEADER = {"image_id", "reason", CONTENT_ID};
        private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
                message orchard_errors {
                  required binary image_id (STRING);
                  required binary reason (STRING);
                  optional binary content_id (STRING);
                }""");

        @Override
        String folder() {
            return "errors";
        }

        @Override
        MessageType schema() {
            return SCHEMA;
        }

        @Override
        List<String> columns() {
            return List.of("image_id", "reason", CONTENT_ID);
        }

        @Override
        List<String> optionalColumns() {
            return List.of(CONTENT_ID);
        }

        @Override
        List<String> dictionaryColumns() {
            return List.of("reason");
        }

        @Override
        int width(ErrorRecord r) {
            return 0;
        }

        @Override
        String id(ErrorRecord r) {
            return r.imageId();
        }

        @Override
        void writeRow(ParquetRowWriter<ErrorRecord> w, ErrorRecord r) {
            w.string(0, r.imageId());
            w.string(1, r.reason());
            w.string(2, r.contentId());
        }

        @Override
        ErrorRecord fromParquet(Object[] v, String source, long row) {
            return new ErrorRecord(requireString(v[0], "image_id", source, row),
                    requireString(v[1], "reason", source, row), optionalString(v[2]));
        }

        @Override
        String[] csvHeader(int width) {
            return HEADER.clone();
        }

        @Override
        void writeCsv(Csv.CsvWriter w, ErrorRecord r) throws IOException {
            w.field(r.imageId()).field(r.reason()).field(r.contentId()).endRecord();
        }

        @Override
        int checkCsvHeader(String[] header, String source) {
            if (!java.util.Arrays.equals(header, HEADER)
                    && !java.util.Arrays.equals(header, java.util.Arrays.copyOf(HEADER, 2))) {
                throw new PartFileException(source, source + ": CSV header must be image_id,reason,content_id but was "
                        + abbreviate(String.join(",", header)));
            }
            return 0;
        }

        @Override
        ErrorRecord fromCsv(String[] f, int width, int columns, String source, long line) {
            checkFieldCount(f, columns, source, line);
            return new ErrorRecord(f[0], f[1], columns > 2 ? f[2] : "");
        }

        private Object readResolve() throws ObjectStreamException {
            return ERRORS;
        }
    }

    private static final class Changes extends Table<ChangeRecord> {
        private static final long serialVersionUID = 1L;
        private static final String[] HEADER = {"image_id", "change", CONTENT_ID, "previous_content_id"};
        private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
                message orchard_changes {
                  required binary image_id (STRING);
                  required binary change (STRING);
                  required binary content_id (STRING);
                  required binary previous_content_id (STRING);
                }""");

        @Override
        String folder() {
            return "changes";
        }

        @Override
        MessageType schema() {
            return SCHEMA;
        }

        @Override
        List<String> columns() {
            return List.of(HEADER);
        }

        @Override
        List<String> dictionaryColumns() {
            return List.of("change");
        }

        @Override
        int width(ChangeRecord r) {
            return 0;
        }

        @Override
        String id(ChangeRecord r) {
            return r.imageId();
        }

        @Override
        void writeRow(ParquetRowWriter<ChangeRecord> w, ChangeRecord r) {
            w.string(0, r.imageId());
            w.string(1, r.change().id());
            w.string(2, r.contentId());
            w.string(3, r.previousContentId());
        }

        @Override
        ChangeRecord fromParquet(Object[] v, String source, long row) {
            return new ChangeRecord(requireString(v[0], "image_id", source, row),
                    kind(requireString(v[1], "change", source, row), source, row),
                    requireString(v[2], CONTENT_ID, source, row),
                    requireString(v[3], "previous_content_id", source, row));
        }

        @Override
        String[] csvHeader(int width) {
            return HEADER.clone();
        }

        @Override
        void writeCsv(Csv.CsvWriter w, ChangeRecord r) throws IOException {
            w.field(r.imageId()).field(r.change().id()).field(r.contentId()).field(r.previousContentId()).endRecord();
        }

        @Override
        int checkCsvHeader(String[] header, String source) {
            if (!java.util.Arrays.equals(header, HEADER)) {
                throw new PartFileException(source, source + ": CSV header must be " + String.join(",", HEADER)
                        + " but was " + abbreviate(String.join(",", header)));
            }
            return 0;
        }

        @Override
        ChangeRecord fromCsv(String[] f, int width, int columns, String source, long line) {
            checkFieldCount(f, HEADER.length, source, line);
            return new ChangeRecord(f[0], kind(f[1], source, line), f[2], f[3]);
        }

        private static ChangeRecord.Kind kind(String id, String source, long row) {
            try {
                return ChangeRecord.Kind.parse(id);
            } catch (IllegalArgumentException e) {
                throw new PartFileException(source, source + " row " + row + ": " + e.getMessage(), e);
            }
        }

        private Object readResolve() throws ObjectStreamException {
            return CHANGES;
        }
    }
}
