package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.io.RejectedBytes;
import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.jobs.local.LocalJob;
import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.operators.SessionConfig;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobExceptionsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.JobExceptionsMessageParameters;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pipeline on a real in-process Kafka broker and a Flink MiniCluster with RocksDB state. */
@Timeout(value = 300)
class PipelineTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() -> new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    @TempDir
    static Path work;

    private static EmbeddedKafka kafka;
    private static Model model;
    private static DirectAnswers direct;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start();
        model = Model.load(MODEL, 1);
        direct = new DirectAnswers(model, CacheDtype.BF16);
    }

    /** Direct answers with the session memories the operator starts under {@code policy}. */
    private static DirectAnswers directUnder(PolicySpec policy, int chunk) {
        return new DirectAnswers(model, CacheDtype.BF16, new SessionMemories(model, policy, chunk, CacheDtype.BF16)::create);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    @Test
    void everyQueryOfTwentySessionsIsAnsweredOnceInOrderWithTheRuntimesTokens() throws Exception {
        PipelineSettings settings = settings("twenty", 2);
        List<SessionEvent> events = SessionStreams.interleaved("s", 20, 9, 1);
        LocalJob job = LocalJob.start(settings, work.resolve("twenty"), null, "twenty");
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics)) {
            LocalPipelines.produce(settings, events);
            int queries = queriesIn(events).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers").settle(Duration.ofSeconds(3));
            assertEquals(queries, outputs.answers.size(), "one answer per query, no duplicates");
            assertEquals(List.of(), outputs.rejects);
            assertEquals(expectedOrder(events), answeredOrder(outputs.answers), "per-session order of answers");
            assertEquals(direct.answers(events), tokensOf(outputs.answers));
            assertTrue(outputs.memory.stream().allMatch(m -> m.getPagesWritten() > 0), "every prefill chunk writes pages");
        } finally {
            job.client().cancel().get();
        }
    }

    @Test
    void badRecordsGoToRejectsWithTheirReasonsAndOtherSessionsAreUnaffected() throws Exception {
        PipelineSettings settings = settings("rejects", 1);
        settings.maxTextBytes = 2000;
        settings.policy = PolicySpec.parse("full:budget=400");
        List<SessionEvent> good = SessionStreams.interleaved("good", 3, 6, 2);
        LocalJob job = LocalJob.start(settings, work.resolve("rejects"), null, "rejects");
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics);
             EventProducer producer = new EventProducer(settings.bootstrap, settings.topics.events)) {
            producer.sendRaw("bad-0".getBytes(StandardCharsets.UTF_8), "plainly not Avro".getBytes(StandardCharsets.UTF_8));
            producer.send(SessionStreams.event("bad-1", "oversized", DocumentChunk.newBuilder().setDocId("big")
                    .setText("x".repeat(3000)).setMetadata(Map.of()).build()));
            producer.send(SessionStreams.event("bad-2", "negative", Query.newBuilder().setQueryId("q").setText("Why?")
                    .setMaxNewTokens(-1).build()));
            producer.send(SessionStreams.event("bad-3", "close", Control.newBuilder().setAction(ControlAction.CLOSE).build()));
            producer.send(SessionStreams.event("bad-4", "fits", DocumentChunk.newBuilder().setDocId("a")
                    .setText("tide ".repeat(20)).setMetadata(Map.of()).build()));
            producer.send(SessionStreams.event("bad-4", "too-much", DocumentChunk.newBuilder().setDocId("b")
                    .setText("flour ".repeat(300)).setMetadata(Map.of()).build()));
            good.forEach(producer::send);
            producer.flush();
            int queries = queriesIn(good).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries && o.rejects.size() >= 5, queries + " answers and 5 rejects")
                    .settle(Duration.ofSeconds(2));
            Map<String, String> reasons = new HashMap<>();
            for (Rejected r : outputs.rejects) {
                assertEquals(settings.topics.events, r.getSourceTopic());
                assertTrue(r.getOffset() >= 0, "rejects carry the record's offset");
                reasons.put(new String(RejectedBytes.key(r), StandardCharsets.UTF_8), r.getReason());
            }
            assertEquals(5, outputs.rejects.size(), "rejects: " + reasons);
            assertEquals("not Avro single-object encoded (bad marker)", reasons.get("bad-0"));
            assertTrue(reasons.get("bad-1").contains("exceeds the limit of 2000 bytes"), reasons.get("bad-1"));
            assertEquals("max new tokens must be >= 1, got -1", reasons.get("bad-2"));
            assertEquals("CLOSE of unknown session bad-3", reasons.get("bad-3"));
            assertTrue(reasons.get("bad-4").startsWith("budget exceeded"), reasons.get("bad-4"));
            assertTrue(outputs.memory.stream().anyMatch(m -> m.getSessionId().equals("bad-4") && m.getStatus().equals("budget exceeded")),
                    "the memory topic says the budget was exceeded");
            assertEquals(direct.answers(good), tokensOf(outputs.answers));
        } finally {
            job.client().cancel().get();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"full", "epicache:episodes=2,utterances=2"})
    void aJobRestartedFromASavepointAtAnotherParallelismContinuesItsSessionsWithoutDuplicates(String policy) throws Exception {
        String name = "restart-" + policy.split(":")[0];
        PipelineSettings settings = settings(name, 1);
        PolicySpec spec = PolicySpec.parse(policy);
        settings.policy = spec.withDefaultBudget(spec.episodic() ? 128 : 0);
        List<SessionEvent> events = SessionStreams.interleaved("r", 4, spec.episodic() ? 18 : 12, 3);
        List<SessionEvent> before = events.subList(0, events.size() / 2);
        List<SessionEvent> after = events.subList(events.size() / 2, events.size());
        Path checkpoints = work.resolve(name);
        LocalJob first = LocalJob.start(settings, checkpoints, null, name);
        String savepoint;
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics)) {
            LocalPipelines.produce(settings, before);
            int queries = queriesIn(before).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers before the restart");
        } finally {
            savepoint = first.client().stopWithSavepoint(false, FlinkSettings.uri(checkpoints.resolve("savepoints")),
                    SavepointFormatType.CANONICAL).get();
        }
        LocalPipelines.produce(settings, after);
        // restored at another parallelism: session state moves with its key groups
        settings.parallelism = 2;
        LocalJob second = LocalJob.start(settings, checkpoints, savepoint, name);
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics)) {
            int queries = queriesIn(events).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers in all").settle(Duration.ofSeconds(3));
            assertEquals(queries, outputs.answers.size(), "a read_committed consumer sees each answer once");
            assertEquals(directUnder(settings.policy, settings.chunk).answers(events), tokensOf(outputs.answers),
                    "answers after the restart equal an uninterrupted run's");
        } finally {
            second.client().cancel().get();
        }
    }

    @Test
    void answersDoNotDependOnArrivalTimingOrParallelism() throws Exception {
        List<SessionEvent> events = SessionStreams.interleaved("t", 3, 9, 4);
        PipelineSettings burst = settings("burst", 1);
        PipelineSettings spread = settings("spread", 2);
        Map<String, List<Integer>> burstAnswers = run(burst, events, 0);
        Map<String, List<Integer>> spreadAnswers = run(spread, events, 150);
        assertEquals(burstAnswers, spreadAnswers);
        assertEquals(direct.answers(events), burstAnswers);
    }

    /**
     * Sixteen sessions advanced one at a time or sixteen to a batch give the same answers, the runtime's own: the
     * batch a session's step ran in does not change a bit of it.
     */
    @Test
    void sixteenSessionsAnswerTheSameAdvancedOneOrSixteenAtATime() throws Exception {
        List<SessionEvent> events = SessionStreams.interleaved("b", 16, 6, 13);
        PipelineSettings alone = settings("batch-of-one", 1);
        alone.maxBatch = 1;
        PipelineSettings together = settings("batch-of-sixteen", 1);
        together.maxBatch = 16;
        // live caches kept: a batch's sessions then run from memory, as in production
        together.liveCacheBytes = SessionConfig.DEFAULT_LIVE_CACHE_BYTES;
        Map<String, List<Integer>> one = run(alone, events, 0);
        assertEquals(one, run(together, events, 0));
        assertEquals(direct.answers(events), one);
    }

    private Map<String, List<Integer>> run(PipelineSettings settings, List<SessionEvent> events, long pauseMillis) throws Exception {
        LocalJob job = LocalJob.start(settings, work.resolve(settings.groupId), null, settings.groupId);
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics);
             EventProducer producer = new EventProducer(settings.bootstrap, settings.topics.events)) {
            for (SessionEvent e : events) {
                producer.send(e);
                if (pauseMillis > 0) {
                    producer.flush();
                    Thread.sleep(pauseMillis);
                }
            }
            producer.flush();
            int queries = queriesIn(events).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers");
            return tokensOf(outputs.answers);
        } finally {
            job.client().cancel().get();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sinks", "window", "lacache"})
    void everyPolicyRunsThePipelineWithinItsBudget(String policy) throws Exception {
        PipelineSettings settings = settings("policy-" + policy, 1);
        settings.policy = PolicySpec.parse(policy).withDefaultBudget(64);
        settings.chunk = 32;
        List<SessionEvent> events = SessionStreams.interleaved("p", 3, 12, 5);
        PolicyRun run = runEvicting(settings, "policy-" + policy, events);
        for (MemoryUpdate m : run.memory) {
            assertTrue(m.getCacheEntriesPerLayer().stream().allMatch(n -> n <= 64), "entries per layer within budget: " + m);
        }
        assertEquals(directUnder(settings.policy, 32).answers(events), run.answers);
    }

    @Test
    void epicacheRunsThePipelineWithinItsEpisodeBudgetsAndAnswersAsItsDirectComputation() throws Exception {
        String policy = "epicache:episodes=2,utterances=2";
        PipelineSettings settings = settings("policy-epicache", 2);
        settings.policy = PolicySpec.parse(policy).withDefaultBudget(128);
        settings.chunk = 512;
        List<SessionEvent> events = SessionStreams.interleaved("e", 2, 18, 11);
        PolicyRun run = runEvicting(settings, "policy-epicache", events);
        assertTrue(run.memory.stream().anyMatch(m -> "2".equals(m.getDetail().get("episodes"))), "both episodes formed");
        for (MemoryUpdate m : run.memory) {
            // B = 128, c* = Pcap = 32: the layers of an episode keep L·M = 2·64 on average after every chunk
            assertTrue(m.getCacheEntriesPerLayer().stream().mapToInt(Integer::intValue).sum() <= 128, "entries within L·M: " + m);
        }
        assertEquals(directUnder(settings.policy, 512).answers(events), run.answers);
    }

    @Test
    void aSwitchToLacacheFarBelowABigCacheNeitherFailsTheJobNorStopsOtherSessions(@InjectClusterClient RestClusterClient<?> flink)
            throws Exception {
        PipelineSettings settings = settings("lacache-switch", 1);
        // a large chunk, so the 10,000 tokens under full take few steps
        settings.chunk = 2048;
        List<SessionEvent> others = SessionStreams.interleaved("o", 3, 9, 7);
        List<SessionEvent> events = new ArrayList<>(others);
        events.add(0, SessionStreams.event("big", "log", DocumentChunk.newBuilder().setDocId("log")
                .setText("tide and fog at the pier ".repeat(750)).setMetadata(Map.of()).build()));
        events.add(others.size() / 2, SessionStreams.event("big", "switch", Control.newBuilder().setAction(ControlAction.SET_POLICY)
                .setPolicySpec("lacache:budget=256").build()));
        events.add(SessionStreams.event("big", "ask", Query.newBuilder().setQueryId("ask").setText("Where was the fog?")
                .setMaxNewTokens(6).build()));
        LocalJob job = LocalJob.start(settings, work.resolve("lacache-switch"), null, "lacache-switch");
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics)) {
            LocalPipelines.produce(settings, events);
            int queries = queriesIn(events).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers").settle(Duration.ofSeconds(2));
            assertEquals(List.of(), outputs.rejects);
            assertEquals(queries, outputs.answers.size(), "one answer per query");
            Map<String, List<Integer>> answers = tokensOf(outputs.answers);
            assertTrue(answers.containsKey("big/ask"), "the switched session answers");
            answers.remove("big/ask");
            assertEquals(direct.answers(others), answers, "every other session answers as the runtime does");

            List<MemoryUpdate> big = outputs.memory.stream().filter(m -> m.getSessionId().equals("big")).collect(Collectors.toList());
            int at = big.indexOf(big.stream().filter(m -> m.getStatus().startsWith("policy lacache")).findFirst().orElseThrow());
            assertTrue(big.get(at - 1).getCacheEntriesPerLayer().get(0) >= 10_000, "the cache held 10,000 entries: " + big.get(at - 1));
            // lacache with B = 256 on 2 layers: c* = 125, T = 131
            assertTrue(big.get(at).getCacheEntriesPerLayer().stream().allMatch(n -> n <= 131), "compacted to T at once: " + big.get(at));

            JobID id = job.client().getJobID();
            JobDetailsInfo details = flink.getJobDetails(id).get();
            assertEquals(JobStatus.RUNNING, details.getJobStatus());
            assertEquals(0L, details.getTimestamps().getOrDefault(JobStatus.RESTARTING, 0L), "the job never restarted");
            JobExceptionsMessageParameters params = JobExceptionsHeaders.getInstance().getUnresolvedMessageParameters();
            params.jobPathParameter.resolve(id);
            assertEquals(List.of(), flink.sendRequest(JobExceptionsHeaders.getInstance(), params, EmptyRequestBody.getInstance()).get()
                    .getExceptionHistory().getEntries(), "the job never failed");
        } finally {
            job.client().cancel().get();
        }
    }

    /** What a run under an evicting policy produced: answers' token ids by "session/query", and the memory updates. */
    private record PolicyRun(Map<String, List<Integer>> answers, List<MemoryUpdate> memory) {
    }

    /** Runs the events until every query is answered; checks that none was rejected and that the policy evicted. */
    private PolicyRun runEvicting(PipelineSettings settings, String name, List<SessionEvent> events) throws Exception {
        LocalJob job = LocalJob.start(settings, work.resolve(name), null, name);
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics)) {
            LocalPipelines.produce(settings, events);
            int queries = queriesIn(events).size();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers").settle(Duration.ofSeconds(2));
            assertEquals(queries, outputs.answers.size());
            assertEquals(List.of(), outputs.rejects);
            assertTrue(outputs.memory.stream().anyMatch(m -> m.getEvictions() > 0), "the stream is long enough to evict");
            return new PolicyRun(tokensOf(outputs.answers), List.copyOf(outputs.memory));
        } finally {
            job.client().cancel().get();
        }
    }

    private PipelineSettings settings(String name, int parallelism) throws Exception {
        PipelineSettings s = LocalPipelines.settings(kafka.bootstrapServers(), name, MODEL, parallelism, 4);
        s.chunk = 48;
        return s;
    }

    private static List<String> queriesIn(List<SessionEvent> events) {
        return events.stream().filter(e -> e.getPayload() instanceof Query)
                .map(e -> e.getSessionId() + "/" + ((Query) e.getPayload()).getQueryId()).collect(Collectors.toList());
    }

    private static Map<String, List<String>> expectedOrder(List<SessionEvent> events) {
        Map<String, List<String>> order = new LinkedHashMap<>();
        for (SessionEvent e : events) {
            if (e.getPayload() instanceof Query) {
                order.computeIfAbsent(e.getSessionId(), s -> new ArrayList<>()).add(((Query) e.getPayload()).getQueryId());
            }
        }
        return order;
    }

    private static Map<String, List<String>> answeredOrder(List<Answer> answers) {
        Map<String, List<String>> order = new LinkedHashMap<>();
        for (Answer a : answers) {
            order.computeIfAbsent(a.getSessionId(), s -> new ArrayList<>()).add(a.getQueryId());
        }
        return order;
    }

    private static Map<String, List<Integer>> tokensOf(List<Answer> answers) {
        Map<String, List<Integer>> tokens = new HashMap<>();
        for (Answer a : answers) {
            tokens.put(a.getSessionId() + "/" + a.getQueryId(), a.getTokenIds());
        }
        return tokens;
    }
}
