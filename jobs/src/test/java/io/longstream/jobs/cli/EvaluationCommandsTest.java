package io.longstream.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Fixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code perplexity}, {@code cache-map} and {@code profile}, through the CLI. */
class EvaluationCommandsTest {
    private static final String MODEL = Fixtures.model("llama-tiny-f32").toString();

    @TempDir
    Path dir;

    @Test
    void perplexityPrintsOneJsonObjectWithTheBoundItKept() throws Exception {
        Path ids = dir.resolve("ids.txt");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            line.append(i == 0 ? "" : (i % 2 == 0 ? "," : " ")).append((i * 31 + 7) % 384);
        }
        Files.writeString(ids, line + "\n\n" + "5 6 7 8\n");
        Result r = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--policy", "sinks", "--budget", "32");
        assertEquals(0, r.exit, r.err);
        JsonNode json = new ObjectMapper().readTree(r.out);
        assertEquals(119 + 3, json.get("tokens").asInt());
        assertEquals(32, json.get("max_cache_entries").asInt());
        assertEquals(Math.exp(json.get("nll").asDouble()), json.get("ppl").asDouble(), 1e-3 * json.get("ppl").asDouble());
    }

    /**
     * --kept: sinks and epicache keep the same 64 entries with the same chunk of 16 (epicache at a larger B, since its
     * patched prompt counts in it), and each line says B, c*, K, what a token attended and the bytes stored.
     */
    @Test
    void perplexityComparesPoliciesAtEqualKeptEntries() throws Exception {
        Path ids = dir.resolve("ids.txt");
        // 1300 tokens: five 256-token pieces, so epicache (one utterance a segment) clusters into its 4 episodes
        Files.writeString(ids, stream(1300));
        JsonNode sinks = new ObjectMapper().readTree(okOut(run("perplexity", "--model", MODEL, "--ids-file", ids.toString(),
                "--policy", "sinks", "--kept", "64", "--chunk", "16")));
        JsonNode episodes = new ObjectMapper().readTree(okOut(run("perplexity", "--model", MODEL, "--ids-file", ids.toString(),
                "--policy", "epicache:utterances=1,alpha=0", "--kept", "64", "--chunk", "16")));
        assertEquals("sinks:budget=80", sinks.get("policy").asText());
        // epicache: B - 16 - floor(B/4) = 64 first at B = 106
        assertEquals(106, episodes.get("budget").asInt());
        for (JsonNode r : new JsonNode[] {sinks, episodes}) {
            assertEquals(64, r.get("kept_entries").asInt(), r.toString());
            assertEquals(16, r.get("chunk").asInt(), r.toString());
            assertTrue(r.get("mean_attended_entries").asDouble() > 40 && r.get("mean_attended_entries").asDouble() <= 64 + 16, r.toString());
        }
        assertEquals(80, sinks.get("max_cache_entries").asInt());
        // two layers, two KV heads, head 16, bf16 keys and values: 128 bytes an entry (with its position), 64 kept
        assertTrue(sinks.get("cache_bytes").asLong() >= 64 * 2 * 2 * 2 * 16 * 2, sinks.toString());
        assertTrue(episodes.get("cache_bytes").asLong() > 3 * sinks.get("cache_bytes").asLong(), "four episode caches: " + episodes);

        Result both = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--kept", "64", "--budget", "80");
        assertEquals(2, both.exit);
        assertEquals("error: --kept sets the budget: give it without --budget or a budget= in --policy", both.err.trim());
        Result tooFew = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--policy", "sinks", "--kept", "8", "--chunk", "16");
        assertEquals(2, tooFew.exit);
        assertTrue(tooFew.err.startsWith("error: --kept 8: no budget makes sinks keep K = 8 entries with a chunk of C = 16"), tooFew.err);
    }

    private static String okOut(Result r) {
        assertEquals(0, r.exit, r.err);
        return r.out;
    }

    /** The fixture model is trained to 512 positions: full (original positions) past them warns, sinks (rank) never does. */
    @Test
    void perplexityWarnsWhenOriginalPositionsPassTheTrainedOnes() throws Exception {
        Path ids = dir.resolve("long.txt");
        Files.writeString(ids, stream(600));
        Result full = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--policy", "full", "--chunk", "128");
        assertEquals(0, full.exit, full.err);
        assertEquals("warning: the stream passes the model's 512 trained positions (max_position_embeddings) under original-position "
                + "RoPE: tokens from position 512 on run the model where it was not trained (600 tokens)", full.err.trim());
        Result sinks = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--policy", "sinks", "--budget", "64");
        assertEquals(0, sinks.exit, sinks.err);
        assertEquals("", sinks.err, "rank positions stay below the budget");
        Files.writeString(ids, stream(512));
        Result trained = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--policy", "full", "--chunk", "128");
        assertEquals(0, trained.exit, trained.err);
        assertEquals("", trained.err, "512 tokens sit at positions 0..511");
    }

    private static String stream(int tokens) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            line.append(i == 0 ? "" : ",").append((i * 31 + 7) % 384);
        }
        return line + "\n";
    }

    @Test
    void perplexityNamesTheLineOfABadId() throws Exception {
        Path ids = dir.resolve("bad.txt");
        Files.writeString(ids, "1,2,3\n4,x,6\n");
        Result r = run("perplexity", "--model", MODEL, "--ids-file", ids.toString());
        assertEquals(2, r.exit);
        assertEquals("error: " + ids + " line 2: 'x' is not a token id", r.err.trim());
    }

    @Test
    void cacheMapListsEveryLayersPositionsAndDrawsThem() throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "The harbor log keeps a record of every ship. ".repeat(20));
        Path png = dir.resolve("map.png");
        Result r = run("cache-map", "--model", MODEL, "--text-file", text.toString(), "--policy", "sinks:start=4", "--budget", "64",
                "--chunk", "16", "--png", png.toString());
        assertEquals(0, r.exit, r.err);
        String[] lines = r.out.split("\n");
        assertTrue(lines[0].startsWith("policy sinks:start=4,budget=64, "), lines[0]);
        // T = 64 - 16 = 48: four sinks and the 44 newest positions
        assertTrue(lines[1].matches("layer 0: 48 entries: 0-3,\\d+-\\d+"), lines[1]);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * 12, image.getHeight(), "one band per layer");
    }

    @Test
    void perplexityAndCacheMapRunEpicacheWithItsEpisodes() throws Exception {
        Path ids = dir.resolve("ids.txt");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 1300; i++) {
            line.append(i == 0 ? "" : ",").append((i * 31 + 7) % 384);
        }
        Files.writeString(ids, line + "\n");
        // B = 128, C = 32: c* = Pcap = 32, M = 64; one 256-token piece per segment, so 5 segments and E = 4 episodes
        Result r = run("perplexity", "--model", MODEL, "--ids-file", ids.toString(), "--policy", "epicache:utterances=1,alpha=0",
                "--budget", "128", "--chunk", "32");
        assertEquals(0, r.exit, r.err);
        JsonNode json = new ObjectMapper().readTree(r.out);
        assertEquals(1299, json.get("tokens").asInt());
        // pair level shares a layer's b_l·H_kv = 128 among its 2 heads; a chunk adds 32
        assertTrue(json.get("max_cache_entries").asInt() <= 128 + 32, r.out);

        Path text = dir.resolve("text.txt");
        String[] topics = {"The harbor log keeps a record of every ship that sails. ", "Bread wants flour, salt and a slow proof. ",
            "The office router drops its signal each noon. ", "March's invoice was paid twice by the bank. "};
        StringBuilder book = new StringBuilder();
        for (int i = 0; i < 96; i++) {
            book.append(topics[(i / 6) % topics.length]);
        }
        Files.writeString(text, book.toString());
        Path png = dir.resolve("map.png");
        r = run("cache-map", "--model", MODEL, "--text-file", text.toString(), "--policy", "epicache:utterances=1,alpha=0,episodes=2",
                "--budget", "128", "--chunk", "32", "--png", png.toString());
        assertEquals(0, r.exit, r.err);
        String[] lines = r.out.split("\n");
        assertTrue(lines[0].startsWith("policy epicache:episodes=2,utterances=1,medoids=8,level=pair,alpha=0.0,budget=128, "), lines[0]);
        assertTrue(lines[1].matches("episode 0 layer 0: \\d+ entries: 0-3,.*"), "sinks kept: " + lines[1]);
        assertTrue(lines[4].startsWith("episode 1 layer 1: "), lines[4]);
        assertNotEquals(lines[2].substring(lines[2].indexOf(':')), lines[4].substring(lines[4].indexOf(':')),
                "each episode's patched prompt keeps what its topic needs");
        assertEquals(2 * 2 * 12, ImageIO.read(png.toFile()).getHeight(), "one band per layer of each episode");
    }

    @Test
    void profilePrintsTheLayerProfileItsWeightsAndTheFileItIsCachedIn() throws Exception {
        Path cache = dir.resolve("profiles");
        Result r = run("profile", "--model", MODEL, "--cache-dir", cache.toString(), "--threads", "2");
        assertEquals(0, r.exit, r.err);
        JsonNode json = new ObjectMapper().readTree(r.out);
        assertEquals(512, json.get("tokens").asInt());
        assertEquals(128, json.get("block").asInt());
        assertEquals(4, json.get("sinks").asInt());
        JsonNode s = json.get("s");
        assertEquals(2, s.size());
        assertEquals(1.0, s.get(0).asDouble(), 0.0, "layer 0's keys do not depend on context");
        assertTrue(s.get(1).asDouble() < 1, r.out);
        // two layers: minmax(s) = {1, 0}, so layer 0 weighs 0 and layer 1 weighs 1
        assertEquals(0.0, json.get("weights").get(0).asDouble(), 0.0);
        assertEquals(1.0, json.get("weights").get(1).asDouble(), 0.0);
        Path file = Path.of(json.get("cache_file").asText());
        assertEquals(cache.resolve(json.get("model_sha256").asText() + ".json"), file);
        assertTrue(Files.isRegularFile(file));
        Result again = run("profile", "--model", MODEL, "--cache-dir", cache.toString(), "--threads", "2");
        assertEquals(r.out, again.out, "read back from the cache");
    }

    @Test
    void profileRefusesANegativeAlpha() {
        Result r = run("profile", "--model", MODEL, "--alpha", "-1", "--cache-dir", dir.toString());
        assertEquals(2, r.exit);
        assertEquals("error: --alpha must be finite and >= 0, got -1.0", r.err.trim());
    }

    private static final class Result {
        int exit;
        String out;
        String err;
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream stdout = System.out;
        Result r = new Result();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r.exit = LongstreamCli.commandLine().setErr(new PrintWriter(err, true)).execute(args);
        } finally {
            System.setOut(stdout);
        }
        r.out = out.toString(StandardCharsets.UTF_8);
        r.err = err.toString();
        return r;
    }
}
