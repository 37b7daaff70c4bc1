package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Fixtures;
import io.longstream.jobs.cli.LongstreamCli;
import io.longstream.state.policy.KeptEntries;
import io.longstream.state.policy.PolicySpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bench recall} on the trained demo model (models/longstream-demo): its JSON fields, never its speed or its accuracy. */
class RecallBenchmarkTest {
    private static final String MODEL = Path.of("..", "models", "longstream-demo").toString();

    @Test
    void jsonHasTheDocumentedFieldsForEveryQuestion() throws Exception {
        Run r = run("--model", MODEL, "--policy", "sinks", "--budget", "192", "--chunk", "64", "--sessions", "2", "--seed", "5",
                "--min-words", "150", "--max-words", "200", "--threads", "2", "--json");
        assertEquals(0, r.exit, r.err);
        String[] lines = r.out.trim().split("\n");
        assertEquals(1, lines.length, "one object for one policy and budget: " + r.out);
        JsonNode o = new ObjectMapper().readTree(lines[0]);
        for (String field : List.of("policy", "budget_fraction", "accuracy", "by_type", "by_depth", "attended_entries", "cache_bytes",
                "tokens_per_s")) {
            assertTrue(o.has(field), field + " in " + o);
        }
        assertEquals("sinks", o.get("policy").asText());
        assertEquals(192, o.get("budget").asInt());
        assertEquals(192 - 64, o.get("kept_entries").asInt(), "K = B - c*");
        int queries = o.get("queries").asInt();
        assertTrue(queries >= 4, "at least two questions a session: " + o);
        assertEquals(0, o.get("rejected").asInt(), "a chunk of 64 holds a question and its 24 new tokens");
        double accuracy = o.get("accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, o.toString());
        assertEquals(List.of("single", "updated", "two_facts", "not_stated"), names(o.get("by_type")));
        assertEquals(List.of("0-25%", "25-50%", "50-75%", "75-100%"), names(o.get("by_depth")));
        // the share right is a whole number of questions
        assertEquals(Math.round(accuracy * queries), accuracy * queries, 1e-9);
        double attended = o.get("attended_entries").asDouble();
        assertTrue(attended > 0 && attended <= 128, "a query attends at most K entries of memory: " + o);
        double mean = 128 / o.get("budget_fraction").asDouble();
        assertTrue(mean > 2 * 150, "mean conversation tokens " + mean);
        // 6 layers, 2 KV heads, head 64, bf16 keys and values: 3 KiB an entry in all heads
        assertTrue(o.get("cache_bytes").asLong() >= (long) attended * 6 * 2 * 64 * 2 * 2, o.toString());
        assertEquals(o.get("cache_bytes").asLong(), o.get("answer_cache_bytes").asLong(), "one cache");
        assertTrue(o.get("tokens_per_s").asDouble() > 0);
        // every stream token after the first is predicted: far better than a uniform guess over the 3,512-token vocabulary
        double perplexity = o.get("perplexity").asDouble();
        assertTrue(perplexity > 1 && perplexity < 100, o.toString());
        double factKept = o.get("fact_kept").asDouble();
        assertTrue(factKept >= 0 && factKept < 1, "128 entries of 300-odd tokens cannot hold every fact asked about: " + o);
    }

    /** The full cache holds every entry of every value asked about, at the positions the stream gave it. */
    @Test
    void theFullCacheKeepsEveryFact() throws Exception {
        Run r = run("--model", MODEL, "--policy", "full", "--chunk", "64", "--sessions", "2", "--seed", "5",
                "--min-words", "150", "--max-words", "200", "--threads", "2", "--json");
        assertEquals(0, r.exit, r.err);
        assertEquals(1.0, new ObjectMapper().readTree(r.out).get("fact_kept").asDouble(), 0.0, r.out);
    }

    /** The fixture model was trained to 512 positions: conversations past them are refused before any runs. */
    @Test
    void conversationsPastTheTrainedPositionsAreRefused() {
        Run r = run("--model", Fixtures.model("llama-tiny-f32").toString(), "--sessions", "1", "--min-words", "600", "--max-words", "600");
        assertEquals(2, r.exit, r.out);
        assertTrue(r.err.matches("(?s)error: session conv-2-0 reaches position \\d+, past the model's 512 trained positions "
                + "\\(max_position_embeddings\\): lower --max-words\\s*"), r.err);
        assertEquals("", r.out, "nothing ran");
    }

    @Test
    void allTakesNoPolicyOfItsOwnAndItsChunkFitsEveryPolicy() {
        Run r = run("--model", MODEL, "--all", "--policy", "sinks", "--sessions", "1", "--min-words", "150", "--max-words", "150");
        assertEquals(2, r.exit);
        assertEquals("error: --all runs every policy at its own budgets: give it without --policy and --budget", r.err.trim());
        // mean 1000 tokens: K = 100, 200, 400; the chunk is the largest at which all of them keep c* = C
        int chunk = RecallBenchmark.sharedChunk(512, 6, 1000);
        for (String name : RecallBenchmark.POLICIES) {
            for (double f : RecallBenchmark.FRACTIONS) {
                PolicySpec spec = KeptEntries.budgetFor(PolicySpec.parse(name), 6, chunk, RecallBenchmark.kept(f, 1000));
                assertEquals(chunk, KeptEntries.of(spec, 6, chunk).chunk());
            }
        }
        assertTrue(chunk < 512 && !fits(chunk + 1), "the largest: " + chunk);
    }

    private static boolean fits(int chunk) {
        try {
            for (String name : RecallBenchmark.POLICIES) {
                KeptEntries.budgetFor(PolicySpec.parse(name), 6, chunk, RecallBenchmark.kept(0.1, 1000));
            }
            return true;
        } catch (IllegalArgumentException none) {
            return false;
        }
    }

    private static List<String> names(JsonNode o) {
        List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int exit = LongstreamCli.withErrorHandling(new CommandLine(new RecallBenchmark(new PrintStream(out, true, StandardCharsets.UTF_8))))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    }
}
