package dev.orchard.internal.sink;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV: fields separated by {@code ,}; a field holding {@code ,}, {@code "}, CR or LF is
 * enclosed in double quotes with inner quotes doubled. Records end with {@code \n} when written;
 * {@code \n}, {@code \r\n} and {@code \r} are all accepted when read. A leading UTF-8 BOM is
 * skipped. Neither class is thread-safe.
 */
final class Csv {

    private Csv() {}

    /** Writes records to a {@link Writer}; closing it closes the writer. */
    static final class CsvWriter implements Closeable {
        private final Writer out;
        private boolean firstField = true;

        CsvWriter(Writer out) {
            this.out = out;
        }

        CsvWriter field(String value) throws IOException {
            separator();
            if (needsQuotes(value)) {
                out.write('"');
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c == '"') {
                        out.write('"');
                    }
                    out.write(c);
                }
                out.write('"');
            } else {
                out.write(value);
            }
            return this;
        }

        /** A number in the shortest form that parses back to the same float. */
        CsvWriter field(float value) throws IOException {
            separator();
            out.write(Float.toString(value));
            return this;
        }

        /** A number in the shortest form that parses back to the same double. */
        CsvWriter field(double value) throws IOException {
            separator();
            out.write(Double.toString(value));
            return this;
        }

        CsvWriter field(int value) throws IOException {
            separator();
            out.write(Integer.toString(value));
            return this;
        }

        void endRecord() throws IOException {
            out.write('\n');
            firstField = true;
        }

        private void separator() throws IOException {
            if (!firstField) {
                out.write(',');
            }
            firstField = false;
        }

        static boolean needsQuotes(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** Streams records from a {@link Reader}; closing it closes the reader. */
    static final class CsvReader implements Closeable {
        private final Reader in;
        private final String source;
        private final char[] buf = new char[1 << 16];
        private int pos;
        private int limit;
        private long line = 1;
        private long recordLine;
        private boolean started;

        /** @param source the file's URI, for error messages */
        CsvReader(Reader in, String source) {
            this.in = in;
            this.source = source;
        }

        /** 1-based line on which the record last returned by {@link #next} started. */
        long recordLine() {
            return recordLine;
        }

        /** The next record's fields, or {@code null} at the end of the input. */
        String[] next() throws IOException {
            if (!started) {
                started = true;
                if (peek() == '\uFEFF') {
                    pos++;
                }
            }
            int c = peek();
            if (c < 0) {
                return null;
            }
            recordLine = line;
            List<String> fields = new ArrayList<>();
            StringBuilder sb = new StringBuilder();
            while (true) {
                c = read();
                if (c == '"' && sb.length() == 0) {
                    readQuoted(sb);
                    c = read();
                    if (c != ',' && c != '\n' && c != '\r' && c >= 0) {
                        throw new PartFileException(source, source + " line " + line
                                + ": unexpected character '" + (char) c + "' after a closing quote");
                    }
                }
                if (c == ',') {
                    fields.add(sb.toString());
                    sb.setLength(0);
                } else if (c == '\n' || c == '\r' || c < 0) {
                    fields.add(sb.toString());
                    if (c == '\r' && peek() == '\n') {
                        pos++;
                    }
                    if (c >= 0) {
                        line++;
                    }
                    return fields.toArray(new String[0]);
                } else {
                    sb.append((char) c);
                }
            }
        }

        private void readQuoted(StringBuilder sb) throws IOException {
            long startLine = line;
            while (true) {
                int c = read();
                if (c < 0) {
                    throw new PartFileException(source, source + " line " + startLine
                            + ": quoted field is not closed before the end of the file");
                }
                if (c == '"') {
                    if (peek() == '"') {
                        pos++;
                        sb.append('"');
                    } else {
                        return;
                    }
                } else {
                    if (c == '\n' || (c == '\r' && peek() != '\n')) {
                        line++;
                    }
                    sb.append((char) c);
                }
            }
        }

        private int peek() throws IOException {
            if (pos == limit && !fill()) {
                return -1;
            }
            return buf[pos];
        }

        private int read() throws IOException {
            if (pos == limit && !fill()) {
                return -1;
            }
            return buf[pos++];
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            if (n < 0) {
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
