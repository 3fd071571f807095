package dev.orchard.testing;

import java.io.IOException;

/**
 * Entry point of the S3Proxy child process started by {@link S3ProxyServer}: runs
 * {@code org.gaul.s3proxy.Main} and halts as soon as its standard input reaches end-of-file,
 * which happens when the test JVM closes the pipe or dies. So no S3Proxy outlives its test run,
 * even when surefire is killed. Uses only the JDK, since it runs on S3Proxy's own class path.
 */
public final class S3ProxyLauncher {

    private S3ProxyLauncher() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent never writes; wait for end-of-file
                }
            } catch (IOException ignored) {
                // the pipe broke: the parent is gone
            }
            Runtime.getRuntime().halt(0);
        }, "s3proxy-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Class.forName("org.gaul.s3proxy.Main").getMethod("main", String[].class).invoke(null, (Object) args);
    }
}
