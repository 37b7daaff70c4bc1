package io.longstream.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code bench pipeline --json} on the tiny model: generated sessions through the embedded broker, MiniCluster with
 * RocksDB and the real job, then on the bare runtime. Checks the figures are there and agree, never how fast they are.
 */
class PipelineBenchTest {
    @Test
    void pipelineBenchAnswersEveryQueryAsTheBareRuntimeDoesAndReportsItsFigures() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        int exit = LongstreamCli.withErrorHandling(new CommandLine(new PipelineBenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8), err)))
                .execute("--model", Fixtures.model("llama-tiny-f32").toString(), "--sessions", "3", "--events-per-session", "4",
                        "--max-batch", "2", "--max-batch-tokens", "300", "--checkpoint-interval", "0.5", "--json");
        assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
        JsonNode r = new ObjectMapper().readTree(out.toByteArray());

        assertEquals("llama-tiny-f32", r.get("model").asText());
        assertTrue(r.get("machine").asText().contains("cores"), r.toString());
        assertEquals(3, r.get("sessions").asInt());
        assertEquals(2, r.get("max_batch").asInt());
        assertEquals(300, r.get("max_batch_tokens").asInt());
        // each session: document, query, turn, query
        assertEquals(12, r.get("events").asInt());
        assertEquals(6, r.get("queries").asInt());
        assertEquals(6, r.get("answers").asInt(), "every answer arrived");
        assertEquals(0, r.get("rejected").asInt());
        assertTrue(r.get("answers_identical").asBoolean(), "the pipeline's answers are the bare runtime's, bit for bit");

        long ingested = r.get("ingested_tokens").asLong();
        long decoded = r.get("decoded_tokens").asLong();
        // three documents of at least 50 words and three turns, more than a token a word
        assertTrue(ingested > 3 * 55, "ingested " + ingested);
        assertTrue(decoded >= 0 && decoded <= 6 * r.get("answer_tokens").asLong(), "decoded " + decoded);
        assertEquals(ingested, r.get("bare").get("ingested_tokens").asLong());
        assertEquals(decoded, r.get("bare").get("decoded_tokens").asLong());
        assertTrue(r.get("prompt_tokens").asLong() > 0);

        JsonNode p = r.get("pipeline");
        double seconds = p.get("seconds").asDouble();
        assertTrue(seconds > 0, r.toString());
        assertEquals(12 / seconds, p.get("events_per_s").asDouble(), 1e-9 * (12 / seconds));
        assertEquals(ingested / seconds, p.get("ingested_tokens_per_s").asDouble(), 1e-9 * (ingested / seconds));
        assertEquals(decoded / seconds, p.get("decoded_tokens_per_s").asDouble(), 1e-9 * (decoded / seconds) + 1e-12);
        double p50 = p.get("time_to_answer_p50_ms").asDouble();
        double p99 = p.get("time_to_answer_p99_ms").asDouble();
        // every query was sent after the clock started and answered before it stopped
        assertTrue(p50 > 0 && p50 <= p99 && p99 <= seconds * 1000, p.toString());
        double bareSeconds = r.get("bare").get("seconds").asDouble();
        assertTrue(bareSeconds > 0, r.toString());
        assertEquals(bareSeconds / seconds, r.get("pipeline_over_bare").asDouble(), 1e-9 * bareSeconds / seconds);
    }

    @Test
    void aBadOptionFailsBeforeAnythingStarts() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        CommandLine cl = LongstreamCli.withErrorHandling(new CommandLine(new PipelineBenchCommand(quiet, quiet)));
        StringWriter message = new StringWriter();
        cl.setErr(new PrintWriter(message, true));
        assertEquals(2, cl.execute("--model", Fixtures.model("llama-tiny-f32").toString(), "--events-per-session", "0"));
        assertEquals("error: --events-per-session must be >= 1, got 0", message.toString().trim());
        message.getBuffer().setLength(0);
        assertEquals(2, cl.execute("--model", Fixtures.model("llama-tiny-f32").toString(), "--policy", "epicache"));
        assertTrue(message.toString().contains("--policy epicache"), message.toString());
    }
}
