package dev.orchard.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class S3ProxyServerTest {

    @Test
    void aMissingJarFailsLoudlyInsteadOfSkipping() {
        String old = System.getProperty(S3ProxyServer.JAR_PROPERTY);
        System.setProperty(S3ProxyServer.JAR_PROPERTY, "/nonexistent/s3proxy.jar");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, S3ProxyServer::start);
            assertTrue(e.getMessage().startsWith("S3Proxy jar not found at /nonexistent/s3proxy.jar"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(S3ProxyServer.JAR_PROPERTY);
            } else {
                System.setProperty(S3ProxyServer.JAR_PROPERTY, old);
            }
        }
    }

    @Test
    void closeStopsTheProcessAndIsIdempotent() {
        S3ProxyServer server = S3ProxyServer.start();
        try {
            assertTrue(server.isRunning());
            assertTrue(server.createBucket("fixture").equals("s3://fixture"));
        } finally {
            server.close();
        }
        assertFalse(server.isRunning());
        server.close();
    }
}
