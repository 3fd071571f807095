package dev.orchard.internal.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One ListObjectsV2 page: the objects, the common prefixes (with a delimiter) and the continuation token, read from
 * S3's {@code ListBucketResult} XML by {@link #parse}. S3 writes that document itself (no CDATA, no comments, no
 * namespaces prefixes on elements), so a scan for the few elements used is exact; XML's escapes
 * ({@code &amp;} {@code &lt;} {@code &gt;} {@code &quot;} {@code &apos;} and numeric references) are decoded, which
 * is how keys with {@code &}, quotes or control characters arrive.
 *
 * @param objects        the page's objects, in key order
 * @param commonPrefixes the prefixes rolled up by the delimiter, each ending in it
 * @param nextToken      the token for the next page, or {@code null} when this is the last
 */
record ListPage(List<Entry> objects, List<String> commonPrefixes, String nextToken) {

    /** One listed object: its key, size and ETag (quotes stripped; {@code ""} when absent). */
    record Entry(String key, long size, String etag) {
    }

    static ListPage parse(byte[] xml) {
        String doc = new String(xml, StandardCharsets.UTF_8);
        if (!doc.contains("<ListBucketResult")) {
            throw new IllegalArgumentException("not a ListBucketResult: '" + abbreviate(doc) + "'");
        }
        List<Entry> objects = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        int at = 0;
        while (true) {
            int contents = doc.indexOf("<Contents>", at);
            int common = doc.indexOf("<CommonPrefixes>", at);
            if (contents < 0 && common < 0) {
                break;
            }
            if (contents >= 0 && (common < 0 || contents < common)) {
                int end = requireIndex(doc, "</Contents>", contents);
                String key = element(doc, "Key", contents, end);
                if (key == null) {
                    throw new IllegalArgumentException("a Contents element without a Key");
                }
                String size = element(doc, "Size", contents, end);
                String etag = element(doc, "ETag", contents, end);
                objects.add(new Entry(key, size == null ? 0 : Long.parseLong(size.strip()),
                        etag == null ? "" : etag.replace("\"", "")));
                at = end;
            } else {
                int end = requireIndex(doc, "</CommonPrefixes>", common);
                String prefix = element(doc, "Prefix", common, end);
                if (prefix != null) {
                    prefixes.add(prefix);
                }
                at = end;
            }
        }
        boolean truncated = "true".equalsIgnoreCase(String.valueOf(element(doc, "IsTruncated", 0, doc.length())).strip());
        String next = truncated ? element(doc, "NextContinuationToken", 0, doc.length()) : null;
        if (truncated && next == null) {
            throw new IllegalArgumentException("a truncated page without a NextContinuationToken");
        }
        return new ListPage(objects, prefixes, next);
    }

    private static int requireIndex(String doc, String tag, int from) {
        int i = doc.indexOf(tag, from);
        if (i < 0) {
            throw new IllegalArgumentException("unterminated element before " + tag);
        }
        return i;
    }

    /**
     * The decoded text of the first {@code <name>} element within {@code [from, to)}, or {@code null}.
     *
     * @throws IllegalArgumentException if it is not terminated or holds an unknown entity
     */
    static String element(String doc, String name, int from, int to) {
        String open = "<" + name + ">";
        int start = doc.indexOf(open, from);
        if (start < 0 || start >= to) {
            int empty = doc.indexOf("<" + name + "/>", from);
            return empty >= 0 && empty < to ? "" : null;
        }
        start += open.length();
        int end = doc.indexOf("</" + name + ">", start);
        if (end < 0 || end > to) {
            throw new IllegalArgumentException("unterminated <" + name + ">");
        }
        return unescape(doc, start, end);
    }

    static String unescape(String doc, int start, int end) {
        int amp = doc.indexOf('&', start);
        if (amp < 0 || amp >= end) {
            return doc.substring(start, end);
        }
        StringBuilder out = new StringBuilder(end - start);
        int i = start;
        while (i < end) {
            char c = doc.charAt(i);
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            int semi = doc.indexOf(';', i);
            if (semi < 0 || semi > end) {
                throw new IllegalArgumentException("unterminated character reference");
            }
            String ref = doc.substring(i + 1, semi);
            switch (ref) {
                case "amp" -> out.append('&');
                case "lt" -> out.append('<');
                case "gt" -> out.append('>');
                case "quot" -> out.append('"');
                case "apos" -> out.append('\'');
                default -> {
                    if (!ref.startsWith("#")) {
                        throw new IllegalArgumentException("unknown entity &" + ref + ";");
                    }
                    int code = ref.startsWith("#x") || ref.startsWith("#X")
                            ? Integer.parseInt(ref.substring(2), 16) : Integer.parseInt(ref.substring(1));
                    out.appendCodePoint(code);
                }
            }
            i = semi + 1;
        }
        return out.toString();
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 120 ? one.substring(0, 120) + "..." : one;
    }
}
