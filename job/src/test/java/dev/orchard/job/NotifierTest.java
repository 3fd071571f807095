package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Webhook and SNS notifications against a local HTTP server on 127.0.0.1. */
class NotifierTest {

    private HttpServer server;
    private final List<String> bodies = new ArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/broken", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.createContext("/", ex -> { // SNS: the query protocol's Publish answer
            bodies.add(URLDecoder.decode(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8));
            byte[] xml = ("<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
                    + "<MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId>"
                    + "</ResponseMetadata></PublishResponse>").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/xml");
            ex.sendResponseHeaders(200, xml.length);
            ex.getResponseBody().write(xml);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "run");
        m.put("featurized", 384);
        return m;
    }

    @Test
    void webhookReceivesTheSummaryAsJson() {
        Notifier n = new Notifier(base() + "/hook", null, "eu-west-3", null, log);
        assertEquals(1, n.send(summary()));
        assertEquals(1, bodies.size());
        assertTrue(bodies.get(0).contains("\"featurized\" : 384"), bodies.get(0));
    }

    @Test
    void failedNotificationsAreLoggedNotThrown() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Notifier n = new Notifier("http://127.0.0.1:" + closedPort + "/x", "arn:aws:sns:eu-west-3:123456789012:t",
                "eu-west-3", URI.create("http://127.0.0.1:" + closedPort), log,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")));
        assertEquals(0, n.send(summary()));
        Notifier broken = new Notifier(base() + "/broken", null, "eu-west-3", null, log);
        assertEquals(0, broken.send(summary()));
        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("webhook http://127.0.0.1:" + closedPort + "/x failed"), text);
        assertTrue(text.contains("SNS publish to arn:aws:sns:eu-west-3:123456789012:t failed"), text);
        assertTrue(text.contains("answered HTTP 500"), text);
    }

    @Test
    void snsPublishesToTheTopic() {
        String arn = "arn:aws:sns:eu-west-3:123456789012:orchard-runs";
        Notifier n = new Notifier(null, arn, "us-east-1", URI.create(base()), log,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")));
        assertEquals(1, n.send(summary()), logBytes.toString(StandardCharsets.UTF_8));
        String body = bodies.get(0);
        assertTrue(body.contains("Action=Publish"), body);
        assertTrue(body.contains("TopicArn=" + arn), body);
        assertTrue(body.contains("Subject=Orchard run finished: 384 images featurized"), body);
        assertEquals("eu-west-3", Notifier.regionOf(arn, "us-east-1"));
        assertEquals("us-east-1", Notifier.regionOf("not-an-arn", "us-east-1"));
    }
}
