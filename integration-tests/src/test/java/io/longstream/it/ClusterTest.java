package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.Topics;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on a real standalone Flink cluster set up as deploy/README.md says: a JobManager and a
 * TaskManager in their own JVMs, Flink's jars plus jobs/target/flink-lib in {@code lib/}, deploy/config.yaml
 * in {@code config.yaml}. The job is submitted with {@code flink run}, creates its topics on the in-process
 * broker, answers, is stopped with a savepoint and submitted again from it to the same TaskManager, where
 * DJL's and ONNX Runtime's native libraries are already loaded: it runs again and answers a later query as an
 * uninterrupted run would.
 */
class ClusterTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    private static final Path JOB_JAR = Path.of(System.getProperty("longstream.jobJar"));
    private static final Path FLINK_LIB = Path.of(System.getProperty("longstream.flinkLib"));
    private static final Path DIST_CLASSPATH = Path.of(System.getProperty("longstream.flinkDistClasspath"));
    private static final Path DEPLOY = Path.of(System.getProperty("longstream.deployDir"));
    // epicache: the segment encoder runs on ONNX Runtime, the tokenizers on DJL, so both native libraries load
    private static final String POLICY = "epicache:episodes=2,utterances=2";
    private static final int BUDGET = 128;
    private static final int CHUNK = 48;

    @TempDir
    Path work;

    @Test
    @Timeout(300)
    void theJobJarRunsOnAStandaloneClusterAndRestartsFromASavepointOnTheSameTaskManager() throws Exception {
        Topics topics = Topics.withPrefix("cluster");
        List<SessionEvent> events = SessionStreams.interleaved("c", 2, 12, 7);
        List<SessionEvent> before = events.subList(0, events.size() / 2);
        List<SessionEvent> after = events.subList(events.size() / 2, events.size());
        try (StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(work.resolve("flink"), lib(),
                     Files.readString(DEPLOY.resolve("config.yaml"))).launch();
             EmbeddedKafka kafka = EmbeddedKafka.start()) {
            cluster.awaitTaskManager();
            String taskManager = onlyTaskManager(cluster);
            String checkpoints = FlinkSettings.uri(work.resolve("checkpoints"));
            String first = submit(cluster, kafka, checkpoints, null);
            // looked at only now: a consumer's subscription could have the broker create the topics first
            assertEquals(2, eventPartitions(kafka, topics), "the job created its topics, the events topic with --partitions");
            try (PipelineOutputs outputs = new PipelineOutputs(kafka.bootstrapServers(), topics)) {
                produce(kafka, topics, before);
                outputs.awaitUntil(o -> o.answers.size() >= queries(before), queries(before) + " answers before the stop");
                assertNoFailures(cluster, first);

                String stopped = cluster.flink("stop", "--savepointPath", FlinkSettings.uri(work.resolve("savepoints")), first);
                Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(stopped);
                assertTrue(m.find(), stopped);
                String savepoint = m.group(1);

                produce(kafka, topics, after);
                String second = submit(cluster, kafka, checkpoints, savepoint);
                outputs.awaitUntil(o -> o.answers.size() >= queries(events), queries(events) + " answers in all").settle(Duration.ofSeconds(2));

                assertEquals(taskManager, onlyTaskManager(cluster), "the second job ran on the TaskManager of the first");
                assertNoFailures(cluster, second);
                JsonNode restored = cluster.get("/jobs/" + second + "/checkpoints").get("latest").get("restored");
                assertEquals(savepoint, restored.get("external_path").asText(), "--from-savepoint set the job's restore path");
                assertEquals(queries(events), outputs.answers.size(), "a read_committed consumer sees each answer once");
                assertEquals(List.of(), outputs.rejects);
                Model model = Model.load(MODEL, 1);
                DirectAnswers direct = new DirectAnswers(model, CacheDtype.BF16,
                        new SessionMemories(model, PolicySpec.parse(POLICY).withDefaultBudget(BUDGET), CHUNK, CacheDtype.BF16)::create);
                assertEquals(direct.answers(events), tokensOf(outputs.answers), "answers after the restart equal an uninterrupted run's");
                assertFalse(cluster.log("taskmanager").contains("UnsatisfiedLinkError"), cluster.log("taskmanager"));
            }
        }
    }

    /** Flink's jars and the ones deploy/README.md puts in lib/. */
    private static List<Path> lib() throws Exception {
        List<Path> lib = new ArrayList<>();
        for (String entry : Files.readString(DIST_CLASSPATH).trim().split(File.pathSeparator)) {
            lib.add(Path.of(entry));
        }
        try (Stream<Path> jars = Files.list(FLINK_LIB)) {
            List<Path> extra = jars.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
            assertTrue(extra.stream().anyMatch(p -> p.getFileName().toString().startsWith("tokenizers-")), "DJL's tokenizers in " + FLINK_LIB);
            assertTrue(extra.stream().anyMatch(p -> p.getFileName().toString().startsWith("onnxruntime-")), "ONNX Runtime in " + FLINK_LIB);
            lib.addAll(extra);
        }
        return lib;
    }

    /** {@code flink run --detached} of the job jar, as the README shows it; returns the job id once it runs. */
    private String submit(StandaloneFlinkCluster cluster, EmbeddedKafka kafka, String checkpoints, String savepoint) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--detached", JOB_JAR.toString(),
                "--bootstrap", kafka.bootstrapServers(), "--model", MODEL.toString(), "--threads", "1", "--chunk", String.valueOf(CHUNK),
                "--policy", POLICY, "--budget", String.valueOf(BUDGET), "--topic-prefix", "cluster", "--partitions", "2",
                "--checkpoint-interval", "1", "--checkpoints", checkpoints, "--job-name", "longstream-cluster-test"));
        if (savepoint != null) {
            args.add("--from-savepoint");
            args.add(savepoint);
        }
        String out = cluster.flink(args.toArray(new String[0]));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        assertTrue(m.find(), out);
        cluster.awaitRunning(m.group(1));
        return m.group(1);
    }

    /** No failure, so no restart, in the job's history. */
    private static void assertNoFailures(StandaloneFlinkCluster cluster, String jobId) throws Exception {
        JsonNode history = cluster.get("/jobs/" + jobId + "/exceptions").get("exceptionHistory").get("entries");
        assertEquals(0, history.size(), () -> {
            try {
                return history + "\n" + cluster.logs();
            } catch (IOException e) {
                return history.toString();
            }
        });
        assertEquals("RUNNING", cluster.get("/jobs/" + jobId).get("state").asText());
    }

    private static String onlyTaskManager(StandaloneFlinkCluster cluster) throws Exception {
        JsonNode taskManagers = cluster.get("/taskmanagers").get("taskmanagers");
        assertEquals(1, taskManagers.size(), taskManagers.toString());
        return taskManagers.get(0).get("id").asText();
    }

    private static int eventPartitions(EmbeddedKafka kafka, Topics topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertTrue(admin.listTopics().names().get().containsAll(List.of(topics.events, topics.answers, topics.memory, topics.rejects)));
            return admin.describeTopics(List.of(topics.events)).allTopicNames().get().get(topics.events).partitions().size();
        }
    }

    private static void produce(EmbeddedKafka kafka, Topics topics, List<SessionEvent> events) {
        try (EventProducer producer = new EventProducer(kafka.bootstrapServers(), topics.events)) {
            events.forEach(producer::send);
            producer.flush();
        }
    }

    private static int queries(List<SessionEvent> events) {
        return (int) events.stream().filter(e -> e.getPayload() instanceof Query).count();
    }

    private static Map<String, List<Integer>> tokensOf(List<Answer> answers) {
        Map<String, List<Integer>> tokens = new HashMap<>();
        for (Answer a : answers) {
            tokens.put(a.getSessionId() + "/" + a.getQueryId(), a.getTokenIds());
        }
        return tokens;
    }
}
