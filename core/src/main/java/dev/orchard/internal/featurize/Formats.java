package dev.orchard.internal.featurize;

import java.nio.charset.StandardCharsets;

/** Names the format of bytes ImageIO cannot read, so the error says "unsupported format: WebP", not just "bad". */
final class Formats {

    private Formats() {}

    static String unsupported(byte[] b) {
        String name = sniff(b);
        if (name != null) {
            return "unsupported format: " + name + " (Orchard reads JPEG and PNG)";
        }
        return "not an image: unrecognized format (" + b.length + " bytes starting " + hex(b) + ")";
    }

    private static String sniff(byte[] b) {
        if (startsWith(b, 0, "RIFF") && startsWith(b, 8, "WEBP")) {
            return "WebP";
        }
        if (startsWith(b, 4, "ftyp")) {
            String brand = b.length >= 12 ? new String(b, 8, 4, StandardCharsets.US_ASCII) : "";
            return brand.startsWith("hei") || brand.startsWith("mif") || brand.startsWith("hev") ? "HEIC/HEIF"
                    : brand.startsWith("avi") ? "AVIF" : "ISO media (" + brand.strip() + ")";
        }
        if (startsWith(b, 0, "II*\0") || startsWith(b, 0, "MM\0*")) {
            return "TIFF";
        }
        if (startsWith(b, 0, "%PDF")) {
            return "PDF";
        }
        if (b.length >= 4 && (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x00 && (b[2] & 0xff) == 0x01
                && (b[3] & 0xff) == 0x00) {
            return "ICO";
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int off, String magic) {
        if (b.length < off + magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if (b[off + i] != (byte) magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}
