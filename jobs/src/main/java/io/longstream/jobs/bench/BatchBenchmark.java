package io.longstream.jobs.bench;

import io.longstream.inference.AnswerDecoding;
import io.longstream.inference.Backend;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.ForwardBatch;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.Transformer;
import io.longstream.inference.model.RandomModelWriter;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * Decode and prefill tokens/s of many sessions advanced one at a time (batch 1) against all of them in one forward pass
 * per step (batch N), on the random Llama-3.2-1B-shaped model and on any other model folders given. A measurement, not a
 * test: it prints a table, and whether the batched tokens and logits were bit-identical to the sessions run alone.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = "Decode/prefill tokens/s of N sessions one at a time vs batched in one forward pass per step.")
public final class BatchBenchmark implements Callable<Integer>, Configured {
    private static final CacheDtype CACHE = CacheDtype.BF16;

    @Spec
    CommandSpec spec;

    @Option(names = "--sessions", paramLabel = "N", description = "sessions, and the batch size (default: ${DEFAULT-VALUE})")
    int sessions = 16;

    @Option(names = "--context", paramLabel = "N", description = "tokens in each session's cache before it decodes (default: ${DEFAULT-VALUE})")
    int context = 256;

    @Option(names = "--decode-tokens", paramLabel = "N", description = "tokens each session decodes per measurement (default: ${DEFAULT-VALUE})")
    int decodeTokens = 8;

    @Option(names = "--prefill-chunk", paramLabel = "N", description = "tokens of each session's prefill chunk (default: ${DEFAULT-VALUE})")
    int prefillChunk = 64;

    @Option(names = "--repeats", paramLabel = "N", description = "measurements of each kind, alternating batch 1 and batch N; the median counts (default: ${DEFAULT-VALUE})")
    int repeats = 3;

    @Option(names = "--model-dir", paramLabel = "DIR", required = true,
            description = "the random Llama-3.2-1B-shaped bf16 model; written here first when the folder holds none")
    Path modelDir;

    @Option(names = "--also", split = ",", paramLabel = "DIR", description = "more model folders to measure, e.g. a test fixture")
    List<Path> also = List.of();

    private final PrintStream out = System.out;
    private final PrintStream log = System.err;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BatchBenchmark()).execute(args));
    }

    /** One row of the table. */
    private record Row(String model, String measurement, double alone, double batched, boolean sameBits) {
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(Settings.BACKEND, Settings.THREADS, Settings.GPU, Settings.GPU_CACHE_FRACTION);
    }

    @Override
    public Integer call() throws IOException {
        SettingValues values = SettingValues.of(spec, settings());
        Backend backend = Settings.backendHere(values);
        positive("--sessions", sessions);
        positive("--context", context);
        positive("--decode-tokens", decodeTokens);
        positive("--prefill-chunk", prefillChunk);
        positive("--repeats", repeats);
        RandomModelWriter.benchModel(modelDir, log);
        List<Row> rows = new ArrayList<>();
        List<Path> models = new ArrayList<>(List.of(modelDir));
        models.addAll(also);
        for (Path dir : models) {
            try (Model model = Model.load(dir, backend)) {
                rows.addAll(measure(dir.getFileName().toString(), model.transformer()));
            }
        }
        out.println();
        out.printf("Batched sessions on %s, backend %s%n", MachineDescription.describe(backend.threads()), backend);
        out.printf("%d sessions, each with %d tokens of %s cache; decode %d tokens each (greedy); prefill a chunk of %d tokens each;"
                + " median of %d measurements%n", sessions, context, CACHE.name().toLowerCase(), decodeTokens, prefillChunk, repeats);
        out.println();
        out.printf("| %-22s | %-8s | %14s | %14s | %7s | %-13s |%n", "model", "step", "batch 1", "batch " + sessions, "ratio",
                "batch = alone");
        out.printf("|%s|%s|%s|%s|%s|%s|%n", "-".repeat(24), "-".repeat(10), "-".repeat(16), "-".repeat(16), "-".repeat(9), "-".repeat(15));
        for (Row r : rows) {
            out.printf("| %-22s | %-8s | %10.2f t/s | %10.2f t/s | %6.2fx | %-13s |%n", r.model(), r.measurement(), r.alone(), r.batched(),
                    r.batched() / r.alone(), r.sameBits() ? "bit-identical" : "DIFFERENT");
        }
        return rows.stream().allMatch(Row::sameBits) ? 0 : 1;
    }

    private void positive(String option, int value) {
        if (value < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), option + " must be >= 1, got " + value);
        }
    }

    private List<Row> measure(String name, Transformer t) {
        log.println(name + ": prefilling " + sessions + " caches of " + context + " tokens ...");
        List<KvCache> caches = new ArrayList<>();
        List<int[]> texts = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            caches.add(t.newCache(CACHE));
            texts.add(randomIds(t, context, s));
        }
        for (int start = 0; start < context; start += ChunkedPrefill.DEFAULT_CHUNK) {
            List<ForwardStep> chunks = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                chunks.add(new ForwardStep(Arrays.copyOfRange(texts.get(s), start, Math.min(context, start + ChunkedPrefill.DEFAULT_CHUNK)),
                        caches.get(s), false));
            }
            t.forward(chunks);
        }
        // compiles both paths before anything is timed
        decode(t, caches, 1, false);
        decode(t, caches, 1, true);
        prefill(t, caches, false);
        prefill(t, caches, true);
        double[] decodeAlone = new double[repeats];
        double[] decodeBatched = new double[repeats];
        double[] prefillAlone = new double[repeats];
        double[] prefillBatched = new double[repeats];
        boolean sameDecode = true;
        boolean samePrefill = true;
        for (int i = 0; i < repeats; i++) {
            log.println(name + ": measurement " + (i + 1) + " of " + repeats + " ...");
            Timed<List<int[]>> a = decode(t, caches, decodeTokens, false);
            Timed<List<int[]>> b = decode(t, caches, decodeTokens, true);
            decodeAlone[i] = sessions * decodeTokens / a.seconds();
            decodeBatched[i] = sessions * decodeTokens / b.seconds();
            for (int s = 0; s < sessions; s++) {
                sameDecode &= Arrays.equals(a.value().get(s), b.value().get(s));
            }
            Timed<List<float[]>> pa = prefill(t, caches, false);
            Timed<List<float[]>> pb = prefill(t, caches, true);
            prefillAlone[i] = sessions * prefillChunk / pa.seconds();
            prefillBatched[i] = sessions * prefillChunk / pb.seconds();
            for (int s = 0; s < sessions; s++) {
                samePrefill &= Arrays.equals(pa.value().get(s), pb.value().get(s));
            }
        }
        return List.of(new Row(name, "decode", median(decodeAlone), median(decodeBatched), sameDecode),
                new Row(name, "prefill", median(prefillAlone), median(prefillBatched), samePrefill));
    }

    private record Timed<T>(T value, double seconds) {
    }

    /**
     * Every session decodes {@code tokens} greedily after a token of its own, on an overlay rolled back afterwards: one
     * session after the other, or all of them in one forward pass per token.
     */
    private Timed<List<int[]>> decode(Transformer t, List<KvCache> caches, int tokens, boolean batched) {
        List<KvCache.Mark> marks = new ArrayList<>();
        List<AnswerDecoding> answers = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            marks.add(caches.get(s).mark());
            answers.add(new AnswerDecoding(t, ChunkedPrefill.DEFAULT_CHUNK, new int[] {(s + 2) % t.config().vocab}, new int[0],
                    caches.get(s), Sampler.greedy(), tokens, Set.of(), tokens, id -> { }));
        }
        ForwardBatch batch = new ForwardBatch(t);
        long t0 = System.nanoTime();
        if (batched) {
            batch.finish(answers);
        } else {
            answers.forEach(batch::runAlone);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            out.add(answers.get(s).result().tokens);
            caches.get(s).rollback(marks.get(s));
        }
        return new Timed<>(out, seconds);
    }

    /** Every session prefills a chunk of its own on an overlay rolled back afterwards, one after the other or in one pass. */
    private Timed<List<float[]>> prefill(Transformer t, List<KvCache> caches, boolean batched) {
        List<KvCache.Mark> marks = new ArrayList<>();
        List<ForwardStep> steps = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            marks.add(caches.get(s).mark());
            steps.add(new ForwardStep(randomIds(t, prefillChunk, 1000 + s), caches.get(s), false));
        }
        long t0 = System.nanoTime();
        List<float[]> logits;
        if (batched) {
            logits = t.forward(steps);
        } else {
            logits = new ArrayList<>();
            for (ForwardStep step : steps) {
                logits.add(t.forward(step.tokens(), step.cache(), false));
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (int s = 0; s < sessions; s++) {
            caches.get(s).rollback(marks.get(s));
        }
        return new Timed<>(logits, seconds);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static int[] randomIds(Transformer t, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(t.config().vocab);
        }
        return ids;
    }
}
