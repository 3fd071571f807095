package dev.orchard.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.SnsClientBuilder;

/**
 * End-of-run notification: the run's summary POSTed as JSON to a webhook and/or published to an SNS
 * topic. Best effort: a failed notification is reported on standard error and never fails the run.
 */
final class Notifier {

    /** Connect and request timeout of the webhook. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String webhook;
    private final String snsTopicArn;
    private final String region;
    private final URI snsEndpoint;
    private final PrintStream log;
    private final AwsCredentialsProvider credentials;

    /**
     * @param webhook     URL to POST the summary to, or null
     * @param snsTopicArn topic to publish to, or null
     * @param region      region of the SNS client (the topic's region comes from its ARN when it has one)
     * @param snsEndpoint endpoint override (tests, SNS-compatible servers), or null
     */
    Notifier(String webhook, String snsTopicArn, String region, URI snsEndpoint, PrintStream log) {
        this(webhook, snsTopicArn, region, snsEndpoint, log, null);
    }

    /** @param credentials SNS credentials, or null for the SDK's default chain */
    Notifier(String webhook, String snsTopicArn, String region, URI snsEndpoint, PrintStream log,
             AwsCredentialsProvider credentials) {
        this.credentials = credentials;
        this.webhook = webhook;
        this.snsTopicArn = snsTopicArn;
        this.region = region;
        this.snsEndpoint = snsEndpoint;
        this.log = log;
    }

    boolean enabled() {
        return webhook != null || snsTopicArn != null;
    }

    /**
     * Sends {@code summary} everywhere configured.
     *
     * @return how many notifications were delivered
     */
    int send(Map<String, Object> summary) {
        String body;
        try {
            body = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            log.println("orchard: notification not sent: " + e.getMessage());
            return 0;
        }
        int delivered = 0;
        if (webhook != null) {
            delivered += webhook(body) ? 1 : 0;
        }
        if (snsTopicArn != null) {
            delivered += sns(summary, body) ? 1 : 0;
        }
        return delivered;
    }

    private boolean webhook(String body) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create(webhook))
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() / 100 != 2) {
                log.println("orchard: webhook " + webhook + " answered HTTP " + resp.statusCode()
                        + "; the run itself succeeded");
                return false;
            }
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.println("orchard: webhook " + webhook + " failed (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); the run itself succeeded");
            return false;
        }
    }

    private boolean sns(Map<String, Object> summary, String body) {
        SnsClientBuilder b = SnsClient.builder().region(Region.of(regionOf(snsTopicArn, region)));
        if (snsEndpoint != null) {
            b.endpointOverride(snsEndpoint);
        }
        if (credentials != null) {
            b.credentialsProvider(credentials);
        }
        try (SnsClient sns = b.build()) {
            String subject = "Orchard " + summary.getOrDefault("command", "run") + " finished: "
                    + summary.getOrDefault("featurized", "?") + " images featurized";
            sns.publish(r -> r.topicArn(snsTopicArn).subject(subject.length() > 100 ? subject.substring(0, 100) : subject)
                    .message(body));
            return true;
        } catch (Exception e) {
            log.println("orchard: SNS publish to " + snsTopicArn + " failed (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); the run itself succeeded");
            return false;
        }
    }

    /** {@code arn:aws:sns:<region>:<account>:<topic>} gives its region; anything else the default. */
    static String regionOf(String arn, String fallback) {
        String[] parts = arn.split(":");
        return parts.length >= 6 && parts[0].equals("arn") && !parts[3].isEmpty() ? parts[3] : fallback;
    }
}
