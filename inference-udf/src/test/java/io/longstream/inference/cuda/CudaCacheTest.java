package io.longstream.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.CachePages;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Fixtures;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Generator;
import io.longstream.inference.LoadedModels;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.Transformer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The device cache: sessions moving between the GPU and the CPU through pages, overlays, and the residency bound. */
@ExtendWith(RequiresGpu.class)
class CudaCacheTest {
    private static final String MODEL = "llama3-tiny-bf16";

    @Test
    void aSessionPersistedOnOneBackendContinuesOnTheOther() {
        Transformer gpu = Gpu.transformer(MODEL);
        Transformer cpu = LoadedModels.get(MODEL, 2).transformer();
        int[] document = ids(new SplittableRandom(3), 300, gpu.config().vocab);
        int[] next = ids(new SplittableRandom(4), 12, gpu.config().vocab);
        for (Transformer first : new Transformer[] {gpu, cpu}) {
            KvCache cache = first.newCache(CacheDtype.BF16);
            new ChunkedPrefill(first, 64).run(document, cache, false);
            // persisted to pages and restored: the copy holds exactly the bits the pages hold
            KvCache onGpu = CachePages.restore(cache);
            KvCache onCpu = CachePages.restore(cache);
            float[] a = gpu.forward(next, onGpu, true);
            float[] b = cpu.forward(next, onCpu, true);
            double difference = CudaReferenceLogitsTest.relative(a, b);
            System.out.printf("prefilled on %s, continued on the GPU vs the CPU: %.3e of the logit scale%n",
                    first == gpu ? "the GPU" : "the CPU", difference);
            assertTrue(difference < 1e-3, "continuations differ by " + difference);
            assertNull(((CudaTransformer) gpu).mirrorDifferences(onGpu));
        }
    }

    @Test
    void anOverlayRolledBackLeavesNoTraceOnTheDevice() {
        CudaTransformer gpu = Gpu.transformer(MODEL);
        int vocab = gpu.config().vocab;
        int[] document = ids(new SplittableRandom(5), 150, vocab);
        int[] query = ids(new SplittableRandom(6), 9, vocab);
        int[] more = ids(new SplittableRandom(7), 20, vocab);
        KvCache plain = gpu.newCache(CacheDtype.BF16);
        KvCache queried = gpu.newCache(CacheDtype.BF16);
        gpu.forward(document, plain, false);
        gpu.forward(document, queried, false);
        KvCache.Mark mark = queried.mark();
        gpu.forward(query, queried, true);
        queried.rollback(mark);
        float[] expected = gpu.forward(more, plain, true);
        float[] actual = gpu.forward(more, queried, true);
        assertArrayEquals(expected, actual, "a query overlay changed what follows it");
        assertNull(gpu.mirrorDifferences(queried));
        CachePages.assertSamePages(plain, queried, "after the overlay");
    }

    @Test
    void sessionsEvictedFromTheDeviceComeBackBitIdentical() {
        CudaTransformer roomy = Gpu.transformer(MODEL);
        try (Model tight = Model.load(Fixtures.model(MODEL), Backend.cuda(0, 1e-9))) {
            CudaTransformer small = (CudaTransformer) tight.transformer();
            int vocab = roomy.config().vocab;
            SplittableRandom random = new SplittableRandom(8);
            List<KvCache> a = new ArrayList<>();
            List<KvCache> b = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                a.add(roomy.newCache(CacheDtype.BF16));
                b.add(small.newCache(CacheDtype.BF16));
            }
            for (int round = 0; round < 6; round++) {
                for (int s = 0; s < 4; s++) {
                    int[] tokens = ids(random, 1 + random.nextInt(40), vocab);
                    float[] expected = roomy.forward(List.of(new ForwardStep(tokens, a.get(s), true))).get(0);
                    float[] actual = small.forward(List.of(new ForwardStep(tokens, b.get(s), true))).get(0);
                    assertArrayEquals(expected, actual, "session " + s + " round " + round);
                    // the bound holds one session: each pass evicts the one before
                    assertEquals(1, small.residentSessions());
                }
            }
        }
    }

    @Test
    void greedyGenerationsRepeatOnTheGpu() {
        Model model = Gpu.model("llama-wide-bf16");
        int[] prompt = ids(new SplittableRandom(9), 40, model.config().vocab);
        int[][] runs = new int[2][];
        for (int run = 0; run < 2; run++) {
            KvCache cache = model.transformer().newCache(CacheDtype.BF16);
            runs[run] = new Generator(model.transformer(), 16).generate(prompt, cache, Sampler.greedy(), 24, Set.of(), t -> { })
                    .tokens;
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    static int[] ids(SplittableRandom random, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }
}
