package io.longstream.jobs.bench;

import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.Transformer;
import io.longstream.inference.cpu.WorkerPool;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.RandomModelWriter;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * {@code longstream bench cpu}: prefill and decode speed of the CPU backend on a random
 * Llama-3.2-1B-shaped bf16 model, against this machine's measured bandwidth and FMA peak and against
 * Jlama on the same model folder, all in one run.
 */
public final class CpuBenchmark {
    private static final int CHUNK = ChunkedPrefill.DEFAULT_CHUNK;
    private static final CacheDtype CACHE = CacheDtype.BF16;
    /** Decode tokens between two bandwidth measurements. */
    private static final int DECODE_BURST = 8;
    /** Tokens decoded at most, as a multiple of those asked for, while waiting for bursts of steady bandwidth. */
    private static final int MAX_DECODED = 4;

    private final BenchPlan plan;
    private final PrintStream out;
    private final PrintStream log;

    public CpuBenchmark(BenchPlan plan, PrintStream out, PrintStream log) {
        this.plan = plan;
        this.out = out;
        this.log = log;
    }

    /** One measured row: our tokens/s, the rate it achieved (bytes/s or FLOP/s) and the roofline it is held to. */
    private static final class Row {
        final String name;
        final double tokensPerSecond;
        final double achieved;
        final double roofline;
        final String rooflineName;

        Row(String name, double tokensPerSecond, double achieved, double roofline, String rooflineName) {
            this.name = name;
            this.tokensPerSecond = tokensPerSecond;
            this.achieved = achieved;
            this.roofline = roofline;
            this.rooflineName = rooflineName;
        }
    }

    public void run(Path modelDir, boolean runPeer) throws IOException, InterruptedException {
        if (!Files.isRegularFile(modelDir.resolve("model.safetensors"))) {
            log.println("writing a random Llama-3.2-1B-shaped bf16 model to " + modelDir + " ...");
            long t0 = System.nanoTime();
            new RandomModelWriter(RandomModelWriter.Shape.llama32OneB()).write(modelDir, 1L);
            log.printf("  written in %.1f s%n", seconds(t0));
        }
        List<Row> rows = new ArrayList<>();
        List<String> decodeNotes = new ArrayList<>();
        long weightBytes;
        ModelConfig config;
        double fmaPeak;
        // every counted decode measurement, ours and Jlama's, for the footer's bandwidth range
        List<DecodeBursts> measured = new ArrayList<>();
        try (Model model = loadTimed(modelDir); WorkerPool pool = new WorkerPool(plan.threads())) {
            Transformer t = model.transformer();
            config = model.config();
            weightBytes = t.weightBytes();
            log.println("measuring the FMA rate ...");
            fmaPeak = MachinePeaks.fmaRate(pool);
            warmUp(t);
            for (int tokens : plan.prefillTokens()) {
                log.println("prefill " + tokens + " tokens ...");
                double s = timePrefill(t, tokens);
                double flops = prefillFlops(config, tokens);
                rows.add(new Row("prefill " + tokens + " tokens", tokens / s, flops / s, fmaPeak, "FMA peak"));
            }
            for (int context : plan.decodeContexts()) {
                log.println("decode " + plan.decodeTokens() + " tokens at context " + context + " in bursts of " + DECODE_BURST
                        + ", memory bandwidth measured between bursts ...");
                KvCache cache = prefilled(t, context);
                DecodeBursts bursts = decodeBursts(pool, context, new GreedyDecoding(t, cache), weightBytes, config);
                if (bursts.tokens() == 0) {
                    throw new IllegalStateException("memory bandwidth changed across every decode burst at context " + context
                            + "; run the benchmark again");
                }
                String name = "decode at " + context + " context";
                rows.add(new Row(name, bursts.tokensPerSecond(), bursts.achieved(), bursts.roofline(), "bandwidth"));
                decodeNotes.add(note(name, bursts));
                measured.add(bursts);
            }
        }
        Optional<JlamaResult> jlama = Optional.empty();
        String peerNote = "not run (--no-peer)";
        if (runPeer) {
            log.println("running Jlama 0.8.4 on the same model folder, its decode in bursts held to the bandwidth around them ...");
            try (WorkerPool pool = new WorkerPool(plan.threads())) {
                ModelConfig c = config;
                jlama = new JlamaPeer().run(modelDir, plan, (context, decoder) -> decodeBursts(pool, context, decoder, weightBytes, c));
            }
            peerNote = jlama.isPresent() ? "" : "not run (" + JlamaPeer.NOT_RUN_REASON + ")";
            for (Map.Entry<Integer, DecodeBursts> e : jlama.map(JlamaResult::decode).orElse(Map.of()).entrySet()) {
                decodeNotes.add(note("Jlama decode at " + e.getKey() + " context", e.getValue()));
                measured.add(e.getValue());
            }
        }
        print(rows, jlama, peerNote, weightBytes, config);
        out.printf("FMA peak %.1f GFLOP/s; read bandwidth %.1f to %.1f GB/s over the counted decode bursts (each burst of up to %d"
                + " tokens is held to the median pass of the fastest read pattern in the measurements just before and after it;"
                + " the best single pass is given too)%n", fmaPeak / 1e9,
                measured.stream().filter(b -> b.tokens() > 0).mapToDouble(DecodeBursts::lowestBandwidth).min().orElse(Double.NaN) / 1e9,
                measured.stream().filter(b -> b.tokens() > 0).mapToDouble(DecodeBursts::highestBandwidth).max().orElse(Double.NaN) / 1e9,
                DECODE_BURST);
        if (jlama.isPresent()) {
            out.println("decode ratios are shares of bandwidth, ours over Jlama's: tokens/s at equal bandwidth, as the two can run"
                    + " in different speed bands");
        }
        decodeNotes.forEach(out::println);
    }

    /** This VM's memory speed drifts within seconds: each burst is held to the bandwidth measured around it. */
    private DecodeBursts decodeBursts(WorkerPool pool, int context, Decoder decoder, long weightBytes, ModelConfig config) {
        return DecodeBursts.measure(decoder, () -> MachinePeaks.readBandwidth(pool, weightBytes), plan.decodeTokens(), DECODE_BURST,
                MAX_DECODED * plan.decodeTokens(), position -> weightBytes + cacheBytes(config, position), context);
    }

    private static String note(String name, DecodeBursts bursts) {
        return String.format("%s: %d tokens in steady bursts (%d burst%s left out: bandwidth changed by more than %.0f%% across %s)%s",
                name, bursts.tokens(), bursts.leftOut(), bursts.leftOut() == 1 ? "" : "s", 100 * DecodeBursts.STEADY,
                bursts.leftOut() == 1 ? "it" : "them", bursts.tokens() == 0 ? "" : "; " + bursts.bands())
                + (bursts.outranTheProbes() ? "; INVALID: decode read faster than every probe pass, so the probes under-measured"
                        + " the bandwidth; run the benchmark again" : "");
    }

    private Model loadTimed(Path dir) {
        long t0 = System.nanoTime();
        Model m = Model.load(dir, plan.threads());
        log.printf("loaded %s in %.1f s (%.2f GB of weights in memory)%n", dir, seconds(t0), m.transformer().weightBytes() / 1e9);
        return m;
    }

    /** Compiles the kernels before anything is timed. */
    private void warmUp(Transformer t) {
        for (int i = 0; i < Math.max(1, plan.warmup()); i++) {
            KvCache cache = t.newCache(CACHE);
            t.forward(randomIds(t.config(), 64, 99), cache, false);
            for (int k = 0; k < 4; k++) {
                t.forward(new int[] {k}, cache, false);
            }
        }
    }

    private static double timePrefill(Transformer t, int tokens) {
        int[] ids = randomIds(t.config(), tokens, tokens);
        KvCache cache = t.newCache(CACHE);
        long t0 = System.nanoTime();
        new ChunkedPrefill(t, CHUNK).run(ids, cache, false);
        return seconds(t0);
    }

    private static KvCache prefilled(Transformer t, int context) {
        KvCache cache = t.newCache(CACHE);
        new ChunkedPrefill(t, CHUNK).run(randomIds(t.config(), context, context), cache, false);
        return cache;
    }

    /** Our greedy decoding after a prefilled cache, one step at a time. */
    private static final class GreedyDecoding implements Decoder {
        private final Transformer t;
        private final KvCache cache;
        private float[] logits;

        GreedyDecoding(Transformer t, KvCache cache) {
            this.t = t;
            this.cache = cache;
            this.logits = t.forward(new int[] {0}, cache, false);
        }

        @Override
        public double decode(int tokens) {
            long t0 = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                int next = Sampler.greedy().next(logits, 0, t.config().vocab);
                logits = t.forward(new int[] {next}, cache, false);
            }
            return seconds(t0);
        }
    }

    /**
     * 2 FLOPs per weight per token for the layers' matrices, the output projection once per chunk
     * (prefill computes logits only for a chunk's last token), and causal attention's QKᵀ and PV.
     */
    static double prefillFlops(ModelConfig c, int tokens) {
        double q = (double) c.heads * c.headDim;
        double kv = (double) c.kvHeads * c.headDim;
        double perLayer = c.hidden * (q + 2 * kv) + q * c.hidden + 3.0 * c.hidden * c.intermediate;
        int chunks = (tokens + CHUNK - 1) / CHUNK;
        double attention = 2.0 * 2 * c.layers * c.heads * c.headDim * (tokens * (tokens + 1.0) / 2);
        return 2.0 * c.layers * perLayer * tokens + 2.0 * c.vocab * c.hidden * chunks + attention;
    }

    /** Bytes of keys and values a decode step reads at this context, in the cache dtype. */
    static double cacheBytes(ModelConfig c, int context) {
        return 2.0 * c.layers * c.kvHeads * c.headDim * context * CACHE.bytes();
    }

    private static int[] randomIds(ModelConfig c, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(c.vocab);
        }
        return ids;
    }

    private void print(List<Row> rows, Optional<JlamaResult> jlama, String peerNote, long weightBytes,
                       ModelConfig c) {
        out.println();
        out.printf("Longstream CPU benchmark on %s%n", MachineDescription.describe(plan.threads()));
        out.printf("model: random %s, bf16 weights (%.2f GB in memory), %s KV cache, prefill chunk %d%n", c,
                weightBytes / 1e9, CACHE.name().toLowerCase(), CHUNK);
        out.println();
        out.printf("| %-24s | %12s | %-22s | %12s | %10s |%n", "measurement", "Longstream", "of roofline", "Jlama 0.8.4", "ratio");
        out.printf("|%s|%s|%s|%s|%s|%n", "-".repeat(26), "-".repeat(14), "-".repeat(24), "-".repeat(14), "-".repeat(12));
        for (Row r : rows) {
            String peer = "-";
            String ratio = "-";
            if (jlama.isPresent()) {
                Optional<JlamaResult.Prefill> prefill = jlama.get().prefill().stream()
                        .filter(p -> r.name.equals("prefill " + p.tokens() + " tokens")).findFirst();
                Optional<DecodeBursts> decode = jlama.get().decode().entrySet().stream()
                        .filter(e -> r.name.equals("decode at " + e.getKey() + " context")).map(Map.Entry::getValue).findFirst();
                if (prefill.isPresent()) {
                    peer = String.format("%8.2f t/s", prefill.get().tokensPerSecond());
                    ratio = String.format("%.2fx", r.tokensPerSecond / prefill.get().tokensPerSecond());
                } else if (decode.isPresent() && decode.get().tokens() > 0) {
                    peer = String.format("%8.2f t/s", decode.get().tokensPerSecond());
                    ratio = String.format("%.2fx", r.achieved / r.roofline / decode.get().share());
                }
            }
            out.printf("| %-24s | %8.2f t/s | %5.1f%% of %-12s | %12s | %10s |%n", r.name, r.tokensPerSecond,
                    100 * r.achieved / r.roofline, r.rooflineName, peer, ratio);
        }
        if (!peerNote.isEmpty()) {
            out.println("Jlama: " + peerNote);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
