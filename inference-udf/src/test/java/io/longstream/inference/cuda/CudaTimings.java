package io.longstream.inference.cuda;

import io.longstream.inference.Backend;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Model;
import io.longstream.inference.Transformer;
import io.longstream.inference.model.RandomModelWriter;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * First timings of the CUDA backend on the random 1B-shaped bench model, beside the CPU backend in the same run:
 * prefill (2048 tokens in chunks of 512; the CPU at batch 1 only, a batch of 16 would take minutes there) and decode
 * (after a 64-token prefill) at batch 1 and 16. Run by src/test/gpu/run.sh; prints a table.
 */
public final class CudaTimings {
    private CudaTimings() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("longstream-bench-");
        Path modelDir = RandomModelWriter.benchModel(dir.resolve("llama-1b"), System.out);
        if (List.of(args).contains("--profile")) {
            // a short GPU-only run for a kernel profiler: one 512-token chunk of 16 sessions, then decode passes
            try (Model gpu = Model.load(modelDir, Backend.cuda(0, 0.5))) {
                List<KvCache> caches = caches(gpu.transformer(), 16);
                SplittableRandom random = new SplittableRandom(1);
                gpu.transformer().forward(steps(caches, random, 512, gpu.config().vocab));
                for (int p = 0; p < 4; p++) {
                    gpu.transformer().forward(steps(caches, random, 1, gpu.config().vocab));
                    gpu.transformer().forward(steps(caches.subList(0, 1), random, 1, gpu.config().vocab));
                }
            }
            return;
        }
        int threads = Runtime.getRuntime().availableProcessors();
        try (Model gpu = Model.load(modelDir, Backend.cuda(0, 0.5)); Model cpu = Model.load(modelDir, threads)) {
            System.out.printf("GPU: %s; CPU: %d threads%n", ((CudaTransformer) gpu.transformer()).engine().deviceName(), threads);
            System.out.printf("%-8s %-22s %12s %12s %8s%n", "backend", "work", "tokens/s", "ms/pass", "vs cpu");
            double cpuPrefill = prefill(cpu.transformer(), 1, 1);
            for (int batch : new int[] {1, 16}) {
                row("prefill, batch " + batch, prefill(gpu.transformer(), batch, 2), batch == 1 ? cpuPrefill : Double.NaN,
                        2048.0 * batch);
            }
            for (int batch : new int[] {1, 16}) {
                row("decode, batch " + batch, decode(gpu.transformer(), batch, 64), decode(cpu.transformer(), batch, 8), batch);
            }
        }
    }

    private static void row(String work, double gpuSeconds, double cpuSeconds, double tokensPerPass) {
        System.out.printf("%-8s %-22s %12.1f %12.2f %8s%n", "cuda", work, tokensPerPass / gpuSeconds, 1000 * gpuSeconds,
                Double.isNaN(cpuSeconds) ? "-" : String.format("%.1fx", cpuSeconds / gpuSeconds));
        if (!Double.isNaN(cpuSeconds)) {
            System.out.printf("%-8s %-22s %12.1f %12.2f %8s%n", "cpu", work, tokensPerPass / cpuSeconds, 1000 * cpuSeconds, "");
        }
    }

    /** Seconds per 2048-token prefill of {@code batch} sessions in chunks of 512 (best of {@code repeats}). */
    private static double prefill(Transformer t, int batch, int repeats) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < repeats; rep++) {
            List<KvCache> caches = caches(t, batch);
            SplittableRandom random = new SplittableRandom(rep);
            long start = System.nanoTime();
            for (int chunk = 0; chunk < 4; chunk++) {
                t.forward(steps(caches, random, 512, t.config().vocab));
            }
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return best;
    }

    /** Seconds per decode pass of {@code batch} sessions after a 64-token prefill (mean over {@code passes}). */
    private static double decode(Transformer t, int batch, int passes) {
        List<KvCache> caches = caches(t, batch);
        SplittableRandom random = new SplittableRandom(7);
        t.forward(steps(caches, random, 64, t.config().vocab));
        t.forward(steps(caches, random, 1, t.config().vocab));
        long start = System.nanoTime();
        for (int p = 0; p < passes; p++) {
            t.forward(steps(caches, random, 1, t.config().vocab));
        }
        return (System.nanoTime() - start) / 1e9 / passes;
    }

    private static List<KvCache> caches(Transformer t, int batch) {
        List<KvCache> caches = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            caches.add(t.newCache(CacheDtype.BF16));
        }
        return caches;
    }

    private static List<ForwardStep> steps(List<KvCache> caches, SplittableRandom random, int tokens, int vocab) {
        List<ForwardStep> steps = new ArrayList<>();
        for (KvCache cache : caches) {
            int[] ids = new int[tokens];
            for (int i = 0; i < tokens; i++) {
                ids[i] = random.nextInt(vocab);
            }
            steps.add(new ForwardStep(ids, cache, false));
        }
        return steps;
    }
}
