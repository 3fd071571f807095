package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.job.cluster.DocCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Offline checks of docs/emr.md and docs/iam/: the IAM documents are well-formed and scoped to named
 * resources, and an evaluation of the permissions policy on sample requests allows what the guide's step
 * needs and refuses the rest; the guide's {@code aws} commands agree with the step and the IAM files.
 * (The step itself runs on YARN in {@code YarnClusterIT}.) What this cannot check is listed in docs/emr.md.
 */
class EmrGuideTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "arn:aws:s3:::my-bucket";
    private static final String TOPIC = "arn:aws:sns:eu-west-3:123456789012:orchard-runs";
    private static final String KEY = "arn:aws:kms:eu-west-3:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    /** Every resource the permissions policy may name: the bucket (listing only), its named prefixes, the topic, the key. */
    private static final List<Pattern> NAMED = List.of(
            Pattern.compile(Pattern.quote(BUCKET)),
            Pattern.compile(Pattern.quote(BUCKET) + "/(fruits-360/Training/\\*|models/mobilenet_v2/\\*|jars/orchard-job\\.jar"
                    + "|orchard/\\*|emr-logs/\\*)"),
            Pattern.compile(Pattern.quote(TOPIC)),
            Pattern.compile(Pattern.quote(KEY)));
    /** Condition operators the evaluator below implements; any other one fails the test. */
    private static final Set<String> OPERATORS = Set.of("StringLike", "StringEquals");

    private static Path iam(String file) {
        return DocCommands.repoFile("docs/iam/" + file);
    }

    private static JsonNode policy(String file) throws IOException {
        Path p = iam(file);
        assertTrue(Files.isRegularFile(p), p.toString());
        JsonNode root = JSON.readTree(p.toFile());
        assertEquals("2012-10-17", root.path("Version").asText(), file);
        assertTrue(root.path("Statement").isArray() && root.path("Statement").size() > 0, file);
        Set<String> sids = new HashSet<>();
        for (JsonNode st : root.path("Statement")) {
            assertTrue(sids.add(st.path("Sid").asText()), file + ": Sid missing or repeated: " + st);
            assertEquals("Allow", st.path("Effect").asText(), file + ": " + st);
            assertFalse(st.has("NotAction") || st.has("NotResource") || st.has("NotPrincipal"), file + ": " + st);
        }
        return root;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }

    @Test
    void trustPolicyLetsOnlyEc2AssumeTheRole() throws IOException {
        JsonNode trust = policy("ec2-trust-policy.json");
        assertEquals(1, trust.path("Statement").size());
        JsonNode st = trust.path("Statement").get(0);
        assertEquals(List.of("sts:AssumeRole"), strings(st.path("Action")));
        assertEquals(List.of("ec2.amazonaws.com"), strings(st.path("Principal").path("Service")));
        assertEquals(1, st.path("Principal").size(), "no other principal kinds: " + st);
    }

    @Test
    void everyPermissionIsScopedToANamedResourceWithNoWildcardAction() throws IOException {
        for (JsonNode st : policy("orchard-instance-policy.json").path("Statement")) {
            List<String> actions = strings(st.path("Action"));
            List<String> resources = strings(st.path("Resource"));
            assertFalse(actions.isEmpty(), st.toString());
            assertFalse(resources.isEmpty(), "every statement names its resources: " + st);
            for (String a : actions) {
                assertTrue(a.matches("(s3|sns|kms):[A-Za-z]+"), "one named action, no wildcard: " + a);
            }
            for (String r : resources) {
                assertTrue(NAMED.stream().anyMatch(p -> p.matcher(r).matches()), "not a named resource: " + r);
                String service = r.split(":")[2];
                for (String a : actions) {
                    assertEquals(service, a.substring(0, a.indexOf(':')), a + " on " + r);
                }
                if (r.equals(BUCKET)) {
                    assertEquals(List.of("s3:ListBucket"), actions, "the bucket itself only lists: " + st);
                    assertTrue(st.path("Condition").path("StringLike").has("s3:prefix"),
                            "listing limited to named prefixes: " + st);
                }
            }
            st.path("Condition").fieldNames().forEachRemaining(op ->
                    assertTrue(OPERATORS.contains(op), "a condition operator this test evaluates: " + op));
        }
    }

    /** What the step does, and what it must not be able to do. */
    @Test
    void thePolicyAllowsWhatTheStepNeedsAndNothingAround() throws IOException {
        Iam p = new Iam(policy("orchard-instance-policy.json"));
        List<String> args = stepArgs();
        String input = key(flag(args, "--input"));
        String model = key(flag(args, "--model"));
        String output = key(flag(args, "--output"));
        String jar = key(args.stream().filter(a -> a.endsWith("orchard-job.jar")).findFirst().orElseThrow());

        assertTrue(p.allows("s3:ListBucket", BUCKET, Map.of("s3:prefix", input + "/")));
        assertTrue(p.allows("s3:ListBucket", BUCKET, Map.of("s3:prefix", input + "/Apple Braeburn/")));
        assertTrue(p.allows("s3:ListBucket", BUCKET, Map.of("s3:prefix", model + "/")));
        assertTrue(p.allows("s3:ListBucket", BUCKET, Map.of("s3:prefix", output + "/")));
        assertTrue(p.allows("s3:GetObject", obj(input + "/Apple Braeburn/0_100.jpg"), Map.of()));
        assertTrue(p.allows("s3:GetObject", obj(model + "/saved_model.pb"), Map.of()));
        assertTrue(p.allows("s3:GetObject", obj(jar), Map.of()));
        for (String a : List.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload")) {
            assertTrue(p.allows(a, obj(output + "/features/part-00000.parquet"), Map.of()), a);
        }
        assertTrue(p.allows("s3:PutObject", obj("emr-logs/j-1/node/i-1/applications/x.gz"), Map.of()));
        assertTrue(p.allows("sns:Publish", TOPIC, Map.of()));
        assertTrue(p.allows("kms:GenerateDataKey", KEY, Map.of("kms:ViaService", "s3.eu-west-3.amazonaws.com")));

        // Refused: writing what is read, other prefixes and buckets, other topics, the key outside S3/SNS.
        assertFalse(p.allows("s3:PutObject", obj(input + "/x.jpg"), Map.of()));
        assertFalse(p.allows("s3:DeleteObject", obj(model + "/saved_model.pb"), Map.of()));
        assertFalse(p.allows("s3:PutObject", obj(jar), Map.of()));
        assertFalse(p.allows("s3:DeleteObject", obj("emr-logs/j-1/x.gz"), Map.of()));
        assertFalse(p.allows("s3:GetObject", obj("private/payroll.csv"), Map.of()));
        assertFalse(p.allows("s3:GetObject", "arn:aws:s3:::other-bucket/" + input + "/x.jpg", Map.of()));
        assertFalse(p.allows("s3:ListBucket", BUCKET, Map.of("s3:prefix", "private/")));
        assertFalse(p.allows("s3:ListBucket", BUCKET, Map.of()), "listing the whole bucket");
        assertFalse(p.allows("s3:ListBucket", "arn:aws:s3:::other-bucket", Map.of("s3:prefix", input + "/")));
        assertFalse(p.allows("s3:DeleteBucket", BUCKET, Map.of()));
        assertFalse(p.allows("s3:PutBucketPolicy", BUCKET, Map.of()));
        assertFalse(p.allows("sns:Publish", "arn:aws:sns:eu-west-3:123456789012:other", Map.of()));
        assertFalse(p.allows("sns:Subscribe", TOPIC, Map.of()));
        assertFalse(p.allows("kms:Decrypt", KEY, Map.of()), "the key used directly, not through S3/SNS");
        assertFalse(p.allows("kms:Decrypt", KEY, Map.of("kms:ViaService", "s3.us-east-1.amazonaws.com")));
        assertFalse(p.allows("kms:ScheduleKeyDeletion", KEY, Map.of("kms:ViaService", "s3.eu-west-3.amazonaws.com")));
        assertFalse(p.allows("iam:PassRole", "arn:aws:iam::123456789012:role/admin", Map.of()));
    }

    /** The step carries the settings the guide decides; its flags are ones the CLI accepts. */
    @Test
    void theStepCarriesTheDecidedSettingsAndOrchardAcceptsItsFlags() throws IOException {
        JsonNode step = JSON.readTree(DocCommands.page("emr.md").block("emr-step")).get(0);
        assertEquals("Spark", step.path("Type").asText());
        assertEquals("TERMINATE_CLUSTER", step.path("ActionOnFailure").asText());
        List<String> args = stepArgs();
        List<String> confs = new ArrayList<>();
        for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals("--conf")) {
                confs.add(args.get(i + 1));
            }
        }
        assertTrue(confs.contains("spark.yarn.maxAppAttempts=1"), confs.toString());
        assertTrue(confs.containsAll(NativeEnvironment.submitConfs()), "TensorFlow's settings for the "
                + "ApplicationMaster and the executors: " + NativeEnvironment.submitConfs());
        assertTrue(confs.stream().anyMatch(c -> c.startsWith("spark.executor.memoryOverhead=")), confs.toString());
        assertEquals("cluster", flag(args, "--deploy-mode"));
        assertFalse(args.contains("--master"), "a Spark step adds --master yarn");
        assertFalse(args.contains("--overwrite"), "the guide reruns into a new prefix");
        assertFalse(String.join(" ", args).contains("AWS_"), "no credentials: the instance profile gives them");
        assertTrue(flag(args, "--output").startsWith("s3://"));

        int app = args.indexOf("run");
        String[] orchard = args.subList(app, args.size()).toArray(new String[0]);
        picocli.CommandLine.ParseResult parsed = Main.commandLine().parseArgs(orchard); // throws on an unknown flag
        assertNotNull(parsed.subcommand());
        Commands.Run run = (Commands.Run) parsed.subcommand().commandSpec().userObject();
        CostModel cost = run.report.options(run.common.region).cost();
        assertEquals(CostModel.SPOT, cost.market());
        assertTrue(cost.emrFeePerHour() > 0, "the step passes EMR's fee");
        assertEquals(2, cost.executorsPerInstance());
    }

    /** create-cluster: a release with Spark 3.5.5, the bucket's region, the role of section 2, the step file. */
    @Test
    void createClusterAgreesWithTheStepAndTheRole() throws IOException {
        DocCommands doc = DocCommands.page("emr.md");
        List<String> create = doc.command("emr-create-cluster", Map.of());
        assertEquals(List.of("aws", "emr", "create-cluster"), create.subList(0, 3));
        String release = flag(create, "--release-label");
        assertTrue(release.matches("emr-(\\d+)\\.(\\d+)\\.(\\d+)"), release);
        String[] v = release.substring(4).split("\\.");
        // AWS's Spark release history: emr-7.9.0 is the first release with Spark 3.5.5 (3.5.5-amzn-0).
        assertTrue(Integer.parseInt(v[0]) > 7 || Integer.parseInt(v[0]) == 7 && Integer.parseInt(v[1]) >= 9, release);
        assertEquals(flag(stepArgs(), "--region"), flag(create, "--region"), "the cluster runs where the bucket is");
        assertTrue(create.contains("--auto-terminate"), "a transient cluster");
        assertEquals("file://orchard-step.json", flag(create, "--steps"));
        assertEquals("file://emr-configurations.json", flag(create, "--configurations"));
        assertTrue(flag(create, "--ec2-attributes").contains("InstanceProfile=orchard-emr-instance,"), create.toString());
        assertTrue(flag(create, "--log-uri").startsWith("s3://my-bucket/emr-logs/"), "the logs the policy lets it write");

        JsonNode yarn = JSON.readTree(doc.block("emr-configurations")).get(0);
        assertEquals("yarn-site", yarn.path("Classification").asText());
        assertEquals("true", yarn.path("Properties").path("yarn.node-labels.enabled").asText());
        assertEquals("ON_DEMAND", yarn.path("Properties").path("yarn.node-labels.am.default-node-label-expression").asText());

        List<String> iam = doc.command("emr-iam", Map.of());
        for (String file : List.of("ec2-trust-policy.json", "orchard-instance-policy.json")) {
            assertTrue(iam.contains("file://docs/iam/" + file), file);
            assertTrue(Files.isRegularFile(iam(file)), file);
        }
        long named = iam.stream().filter(w -> w.equals("orchard-emr-instance")).count();
        assertEquals(6, named, "role and instance profile share the name EMR requires: " + iam);
    }

    private static List<String> stepArgs() throws IOException {
        JsonNode steps = JSON.readTree(DocCommands.page("emr.md").block("emr-step"));
        List<String> args = new ArrayList<>();
        steps.get(0).path("Args").forEach(a -> args.add(a.asText()));
        return args;
    }

    private static String flag(List<String> words, String name) {
        int i = words.indexOf(name);
        if (i < 0 || i + 1 >= words.size()) {
            fail("no " + name + " in " + words);
        }
        return words.get(i + 1);
    }

    /** {@code s3://my-bucket/KEY} → {@code KEY}; other buckets fail (the policy is written for my-bucket). */
    private static String key(String uri) {
        assertTrue(uri.startsWith("s3://my-bucket/"), uri);
        return uri.substring("s3://my-bucket/".length());
    }

    private static String obj(String key) {
        return BUCKET + "/" + key;
    }

    /**
     * IAM's evaluation of Allow statements for one identity policy, as far as this policy uses it: action and
     * resource match with {@code *} and {@code ?}, and the StringLike / StringEquals conditions (a missing key
     * fails the condition). A request is allowed when some statement matches it.
     */
    private record Iam(JsonNode policy) {
        boolean allows(String action, String resource, Map<String, String> context) {
            for (JsonNode st : policy.path("Statement")) {
                boolean actionOk = strings(st.path("Action")).stream().anyMatch(a -> glob(a, action));
                boolean resourceOk = strings(st.path("Resource")).stream().anyMatch(r -> glob(r, resource));
                if (actionOk && resourceOk && conditions(st.path("Condition"), context)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean conditions(JsonNode condition, Map<String, String> context) {
            for (var op = condition.fields(); op.hasNext(); ) {
                var e = op.next();
                for (var k = e.getValue().fields(); k.hasNext(); ) {
                    var c = k.next();
                    String value = context.get(c.getKey());
                    if (value == null) {
                        return false;
                    }
                    boolean like = e.getKey().equals("StringLike");
                    if (strings(c.getValue()).stream().noneMatch(p -> like ? glob(p, value) : p.equals(value))) {
                        return false;
                    }
                }
            }
            return true;
        }

        private static boolean glob(String pattern, String value) {
            StringBuilder re = new StringBuilder();
            for (char ch : pattern.toCharArray()) {
                re.append(ch == '*' ? ".*" : ch == '?' ? "." : Pattern.quote(String.valueOf(ch)));
            }
            return value.matches(re.toString());
        }
    }
}
