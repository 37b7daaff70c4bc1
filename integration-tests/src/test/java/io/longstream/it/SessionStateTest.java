package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenStream;
import io.longstream.jobs.cli.LongstreamCli;
import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.jobs.local.LocalJob;
import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.operators.SavedSession;
import io.longstream.operators.SavedSessions;
import io.longstream.operators.SessionReplay;
import io.longstream.schemas.Answer;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.policy.PolicySpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * inspect and replay on the state of the real pipeline (in-process broker, MiniCluster with RocksDB, a real model): a
 * savepoint taken while the job runs shows each session as its events imply, and a query replayed from it gets the
 * tokens the running job gives the same query after the same events.
 */
@Timeout(value = 300)
class SessionStateTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() -> new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path work;

    private static EmbeddedKafka kafka;
    private static TokenStream tokens;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start();
        Model model = Model.load(MODEL, 1);
        tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"sinks; 64; 32; 12", "window; 64; 32; 12", "lacache; 96; 32; 12",
        "epicache:episodes=2,utterances=2; 128; 512; 18"})
    void aSavepointShowsItsSessionsAndReplaysTheirQueriesAsTheJobAnswersThem(String policy, int budget, int chunk, int perSession)
            throws Exception {
        String name = "state-" + policy.split(":")[0];
        PipelineSettings settings = settings(name);
        settings.policy = PolicySpec.parse(policy).withDefaultBudget(budget);
        settings.chunk = chunk;
        // each session's events end with a query: once it is answered, every event before it is in the session's state
        List<SessionEvent> events = SessionStreams.interleaved(name, 2, perSession, 7);
        // then one more document each, which no query follows before the savepoint: its tail waits in state, pending
        List<SessionEvent> documents = List.of(document(name + "-0", "pend-0"), document(name + "-1", "pend-1"));
        List<SessionEvent> beforeSavepoint = new ArrayList<>(events);
        beforeSavepoint.addAll(documents);
        List<SessionEvent> later = List.of(
                query(name + "-0", "later-0", "Where is the harbor?", null),
                query(name + "-1", "later-1", "What about the ferry?", 0.9f));
        Path checkpoints = work.resolve(name);
        String savepoint;
        Map<String, List<Integer>> jobAnswers = new LinkedHashMap<>();
        LocalJob job = LocalJob.start(settings, checkpoints, null, name);
        try (PipelineOutputs outputs = new PipelineOutputs(settings.bootstrap, settings.topics)) {
            LocalPipelines.produce(settings, events);
            int queries = (int) events.stream().filter(e -> e.getPayload() instanceof Query).count();
            outputs.awaitUntil(o -> o.answers.size() >= queries, queries + " answers");
            LocalPipelines.produce(settings, documents);
            outputs.awaitUntil(o -> o.memory.stream().map(m -> m.getEventId().toString()).filter(e -> e.startsWith("pend-"))
                    .distinct().count() == documents.size(), "the last documents taken in");
            savepoint = job.client().triggerSavepoint(FlinkSettings.uri(checkpoints.resolve("savepoints")), SavepointFormatType.CANONICAL)
                    .get();
            LocalPipelines.produce(settings, later);
            outputs.awaitUntil(o -> o.answers.size() >= queries + later.size(), "the later answers");
            assertEquals(List.of(), outputs.rejects);
            for (Answer a : outputs.answers) {
                if (a.getQueryId().startsWith("later")) {
                    jobAnswers.put(a.getSessionId(), a.getTokenIds());
                }
            }
        } finally {
            job.client().cancel().get();
        }

        // inspect: every session, its stream as long as its events make it, prefilled but for what is pending
        List<SavedSession> sessions = SavedSessions.read(savepoint, null, false);
        assertEquals(List.of(name + "-0", name + "-1"), sessions.stream().map(s -> s.sessionId).toList());
        assertTrue(sessions.stream().anyMatch(s -> s.meta.pending.length > 0), "a document's tail is pending in the savepoint");
        for (SavedSession s : sessions) {
            long expected = streamLength(beforeSavepoint, s.sessionId);
            assertEquals(expected, s.meta.tokensIngested, s.sessionId + " tokens ingested");
            assertEquals(expected - s.meta.pending.length, s.meta.nextPosition, s.sessionId + " next position");
            assertEquals(0, s.waiting.length);
            assertEquals(settings.policy.toString(), s.policy());
            assertTrue(s.pageCount > 0 && s.pageBytes > 0, "pages held");
            assertEquals(settings.policy.episodic() ? 2 : 1, s.caches());
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : cli(0, "inspect", "--savepoint", savepoint, "--json").split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertEquals(2, lines.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(sessions.get(i).sessionId, lines.get(i).get("session").asText());
            assertEquals(streamLength(beforeSavepoint, sessions.get(i).sessionId), lines.get(i).get("tokens_ingested").asLong());
            assertEquals(sessions.get(i).pageBytes, lines.get(i).get("stored_bytes").asLong());
        }

        // replay: the later query answered from the savepoint (the pending tail prefilled first) gets the job's tokens,
        // bit for bit
        for (SessionEvent q : later) {
            SavedSession saved = SavedSessions.read(savepoint, q.getSessionId(), true).get(0);
            SessionReplay.Outcome outcome = new SessionReplay(settings.sessionConfig(), settings.limits(), saved).run(List.of(q));
            assertEquals(List.of(), outcome.rejects());
            assertEquals(1, outcome.answers().size());
            assertEquals(jobAnswers.get(q.getSessionId()), outcome.answers().get(0).getTokenIds(), "replayed answer of " + q.getSessionId());
        }
        // and so does the command, with the job's settings taken from the savepoint alone
        Path file = work.resolve(name + "-later.jsonl");
        Files.writeString(file, "{\"session\":\"" + name + "-1\",\"type\":\"query\",\"query\":\"later-1\",\"text\":\"What about the ferry?\","
                + "\"max_new_tokens\":6,\"temperature\":0.9,\"top_p\":1}\n");
        String replayed = cli(0, "replay", "--savepoint", savepoint, "--session", name + "-1", "--model", MODEL.toString(),
                "--threads", "1", "--file", file.toString());
        assertTrue(replayed.contains("token ids " + jobAnswers.get(name + "-1")), replayed);

        // what the savepoint cannot answer fails before anything runs, naming the option
        assertStartsWith("error: --session nobody", cliError("inspect", "--savepoint", savepoint, "--session", "nobody"));
        String other = Path.of("..", "models", "longstream-demo").toAbsolutePath().normalize().toString();  // 6 layers, not 2
        assertStartsWith("error: --model " + other, cliError("replay", "--savepoint", savepoint, "--session", name + "-1",
                "--model", other));
        assertStartsWith("error: --chunk contradicts the savepoint", cliError("replay", "--savepoint", savepoint, "--session",
                name + "-1", "--model", MODEL.toString(), "--chunk", String.valueOf(chunk + 1)));
    }

    @Test
    void aPathWithoutASavepointFailsNamingTheOption() throws Exception {
        String missing = work.resolve("no-savepoint-here").toString();
        assertTrue(cliError("inspect", "--savepoint", missing).startsWith("error: --savepoint " + missing));
    }

    /** The stream's length as the Contracts define it: BOS, then each document's and turn's encoding; queries add nothing. */
    private static long streamLength(List<SessionEvent> events, String session) {
        long length = 0;
        boolean started = false;
        Message previous = null;
        for (SessionEvent e : events) {
            if (!e.getSessionId().equals(session) || e.getPayload() instanceof Query) {
                continue;
            }
            int[] body;
            if (e.getPayload() instanceof DocumentChunk) {
                body = tokens.document(((DocumentChunk) e.getPayload()).getText());
            } else {
                ConversationTurn turn = (ConversationTurn) e.getPayload();
                Message message = new Message(turn.getRole(), turn.getText());
                body = tokens.turn(previous, message);
                previous = message;
            }
            length += started ? body.length : tokens.withStart(body).length;
            started = true;
        }
        return length;
    }

    private static SessionEvent document(String session, String id) {
        String text = "The tug pulled the cargo barge past the pier while the fog lifted over the harbor, and the crew "
                + "counted the crates twice before the ferry came in with the evening mail and a band playing on deck.";
        return SessionStreams.event(session, id, DocumentChunk.newBuilder().setDocId(id).setText(text).setMetadata(Map.of()).build());
    }

    private static SessionEvent query(String session, String id, String text, Float temperature) {
        Query.Builder q = Query.newBuilder().setQueryId(id).setText(text).setMaxNewTokens(6);
        if (temperature != null) {
            q.setTemperature(temperature);
        }
        return SessionStreams.event(session, id, q.build());
    }

    /** What the command printed on stdout, having checked its exit code. */
    private static String cli(int exit, String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            CommandLine cl = LongstreamCli.commandLine();
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args);
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(exit, code, out + err);
        return out;
    }

    private static void assertStartsWith(String expected, String actual) {
        assertTrue(actual.startsWith(expected), actual);
    }

    private static String cliError(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = LongstreamCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute(args), err.toString());
        return err.toString();
    }

    private static PipelineSettings settings(String name) throws Exception {
        return LocalPipelines.settings(kafka.bootstrapServers(), name, MODEL, 1, 2);
    }
}
