package dev.orchard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A small fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of an S3 server, for testing retries.
 *
 * <p>For each request it reads the head and body, then either forwards it (with {@code Connection: close},
 * one upstream connection per request) or injects a fault: a {@code 503 SlowDown} reply, a {@code 500}, or a
 * connection dropped after half the request body arrived (a task "killed mid-upload"). SigV4 signatures stay
 * valid because bytes are forwarded unchanged but for the Connection header, which is not signed. A response
 * body the upstream delimits by closing the connection gets a {@code Content-Length} ({@link #framed}), as S3
 * always sends one (or chunked encoding): the AWS CRT HTTP client reads an unframed body as empty.
 *
 * <p>Faults are chosen by a seeded random rate, and by targeted rules ({@link #failFirst}) that fail the first
 * N requests whose request line matches. Counters tell what was injected. Close it to stop.
 */
public final class FlakyProxy implements AutoCloseable {

    /** What to do to a request. */
    public enum Fault { NONE, SLOW_DOWN_503, INTERNAL_500, DROP_MID_BODY }

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flaky-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Random random;
    private final double rate;
    private final Map<Predicate<String>, AtomicInteger> targeted = new ConcurrentHashMap<>();
    private final Map<Fault, AtomicInteger> injected = new ConcurrentHashMap<>();
    private final AtomicInteger forwarded = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param upstreamPort the S3 server's port on 127.0.0.1
     * @param rate         fraction of requests that get a random fault (0 for none)
     * @param seed         seed of the random faults
     */
    public FlakyProxy(int upstreamPort, double rate, long seed) throws IOException {
        this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
        this.rate = rate;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(this::acceptLoop);
    }

    /** Fails the first {@code times} requests whose request line ("PUT /bucket/key HTTP/1.1") matches. */
    public FlakyProxy failFirst(Predicate<String> requestLine, int times) {
        targeted.put(requestLine, new AtomicInteger(times));
        return this;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int injected(Fault f) {
        return injected.computeIfAbsent(f, k -> new AtomicInteger()).get();
    }

    public int injectedTotal() {
        return injected.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public int forwarded() {
        return forwarded.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                pool.submit(() -> handle(client));
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            client.setSoTimeout(30_000);
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            long length = contentLength(head);
            Fault fault = choose(requestLine);
            if (fault == Fault.DROP_MID_BODY && length > 1) {
                in.readNBytes((int) Math.min(length / 2, Integer.MAX_VALUE));
                count(fault);
                client.setSoLinger(true, 0);  // RST: the client sees the connection reset mid-upload
                return;
            }
            byte[] body = length > 0 ? in.readNBytes((int) length) : new byte[0];
            if (fault == Fault.SLOW_DOWN_503 || fault == Fault.INTERNAL_500 || fault == Fault.DROP_MID_BODY) {
                count(fault == Fault.DROP_MID_BODY ? Fault.SLOW_DOWN_503 : fault);
                reply(client.getOutputStream(), fault == Fault.INTERNAL_500 ? 500 : 503,
                        fault == Fault.INTERNAL_500 ? "InternalError" : "SlowDown");
                return;
            }
            forwarded.incrementAndGet();
            try (Socket up = new Socket()) {
                up.connect(upstream, 5_000);
                up.setSoTimeout(60_000);
                OutputStream upOut = up.getOutputStream();
                upOut.write(withConnectionClose(head).getBytes(StandardCharsets.ISO_8859_1));
                upOut.write(body);
                upOut.flush();
                client.getOutputStream().write(framed(up.getInputStream().readAllBytes(), requestLine));
                client.getOutputStream().flush();
            }
        } catch (IOException e) {
            // a client or upstream went away: nothing to do for a test proxy
        }
    }

    /**
     * The upstream response with a {@code Content-Length} where the upstream delimited its body by closing the
     * connection (it does so because of the {@code Connection: close} this proxy adds), as S3 itself always
     * frames its bodies; 1xx interim responses pass as they are.
     */
    static byte[] framed(byte[] response, String requestLine) {
        int pos = 0;
        while (true) {
            int headEnd = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headEnd < 0) {
                return response;
            }
            String head = new String(response, pos, headEnd - pos, StandardCharsets.ISO_8859_1);
            String[] status = head.split(" ", 3);
            int code = status.length > 1 ? Integer.parseInt(status[1].trim()) : 0;
            if (code >= 100 && code < 200) {
                pos = headEnd + 4;
                continue;
            }
            String lower = head.toLowerCase(Locale.ROOT);
            if (code == 204 || code == 304 || requestLine.startsWith("HEAD ")
                    || lower.contains("\r\ncontent-length:") || lower.contains("\r\ntransfer-encoding:")) {
                return response;
            }
            byte[] length = ("\r\nContent-Length: " + (response.length - headEnd - 4)).getBytes(StandardCharsets.ISO_8859_1);
            byte[] out = new byte[response.length + length.length];
            System.arraycopy(response, 0, out, 0, headEnd);
            System.arraycopy(length, 0, out, headEnd, length.length);
            System.arraycopy(response, headEnd, out, headEnd + length.length, response.length - headEnd);
            return out;
        }
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private synchronized Fault choose(String requestLine) {
        for (Map.Entry<Predicate<String>, AtomicInteger> e : targeted.entrySet()) {
            if (e.getKey().test(requestLine) && e.getValue().getAndDecrement() > 0) {
                return Fault.DROP_MID_BODY;
            }
        }
        if (rate > 0 && random.nextDouble() < rate) {
            Fault[] kinds = {Fault.SLOW_DOWN_503, Fault.INTERNAL_500, Fault.DROP_MID_BODY};
            return kinds[random.nextInt(kinds.length)];
        }
        return Fault.NONE;
    }

    private void count(Fault f) {
        injected.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
    }

    private static void reply(OutputStream out, int status, String code) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                + "</Code><Message>injected by FlakyProxy</Message></Error>";
        String resp = "HTTP/1.1 " + status + " " + (status == 503 ? "Slow Down" : "Internal Server Error") + "\r\n"
                + "Content-Type: application/xml\r\nContent-Length: " + xml.length() + "\r\nConnection: close\r\n\r\n"
                + xml;
        out.write(resp.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int state = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
            }
            buf.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1 : (b == '\n' && (state == 1 || state == 3))
                    ? state + 1 : 0;
            if (state == 4) {
                return buf.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    private static String withConnectionClose(String head) {
        StringBuilder sb = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (line.isEmpty() || line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                continue;
            }
            sb.append(line).append("\r\n");
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        pool.shutdownNow();
    }
}
