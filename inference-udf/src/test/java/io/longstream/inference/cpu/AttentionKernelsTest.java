package io.longstream.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The attention kernels on heads wide enough for the packed bf16 view (the fixture models' heads of 16 are
 * not), checked against a double-precision computation and against themselves token by token.
 */
class AttentionKernelsTest {
    private static final int HEAD_DIM = 4 * Lanes.L * 2;
    private static final int ENTRIES = 4 * Lanes.L + 13;

    /** Attention over a bf16 cache equals softmax(q·k / √d)·v computed in double, to bf16 precision. */
    @ParameterizedTest(name = "heads {0}/{1}, window {2}, cache {3}")
    @CsvSource({"8, 2, 0, BF16", "6, 2, 0, BF16", "8, 2, 37, BF16", "8, 2, 0, F32", "6, 2, 37, F32"})
    void matchesDoublePrecisionAttention(int heads, int kvHeads, int window, CacheDtype dtype) {
        Setup s = new Setup(heads, kvHeads, window, dtype);
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int p : new int[] {0, Lanes.L - 1, 2 * Lanes.L, ENTRIES - 1}) {
                float[] out = new float[heads * HEAD_DIM];
                s.attention.run(s.cache, 0, s.views, s.query(p), new int[] {p}, 1, out, pool, null);
                assertClose(s.reference(p), out, dtype, p);
            }
        }
    }

    /** A chunk of queries gives each token the bits it gets alone, whatever block its first visible slot starts in. */
    @ParameterizedTest(name = "heads {0}/{1}, window {2}, cache {3}")
    @CsvSource({"8, 2, 0, BF16", "8, 2, 37, BF16", "6, 2, 21, BF16", "8, 2, 37, F32"})
    void aChunkGivesEachTokenItsOwnBits(int heads, int kvHeads, int window, CacheDtype dtype) {
        Setup s = new Setup(heads, kvHeads, window, dtype);
        int width = heads * HEAD_DIM;
        float[] queries = new float[ENTRIES * width];
        int[] positions = new int[ENTRIES];
        for (int p = 0; p < ENTRIES; p++) {
            System.arraycopy(s.query(p), 0, queries, p * width, width);
            positions[p] = p;
        }
        try (WorkerPool pool = new WorkerPool(2)) {
            float[] chunk = new float[ENTRIES * width];
            s.attention.run(s.cache, 0, s.views, queries, positions, ENTRIES, chunk, pool, null);
            for (int p = 0; p < ENTRIES; p++) {
                float[] alone = new float[width];
                s.attention.run(s.cache, 0, s.views, s.query(p), new int[] {p}, 1, alone, pool, null);
                assertArrayEquals(alone, Arrays.copyOfRange(chunk, p * width, (p + 1) * width), "token at position " + p);
            }
        }
        if (dtype == CacheDtype.BF16) {
            assertNotNull(s.views[0].packedKeys(), "a bf16 head of " + HEAD_DIM + " is viewed packed");
        }
    }

    /**
     * With entries evicted (free slots inside the range) and keys rotated by rank, the packed and float views still
     * give double-precision attention, and a chunk still gives each token its own bits.
     */
    @ParameterizedTest(name = "rope {0}, cache {1}")
    @CsvSource({"RANK, BF16", "ORIGINAL, BF16", "RANK, F32"})
    void evictedSlotsAndRankPositionsKeepAttentionExact(RopeMode mode, CacheDtype dtype) {
        Setup s = new Setup(8, 2, 0, dtype);
        for (int h = 0; h < 2; h++) {
            for (int slot = 1 + h; slot < ENTRIES - 1; slot += 3) {
                s.cache.head(0, h).evict(slot);
            }
        }
        s.cache.setRopeMode(mode);
        int width = 8 * HEAD_DIM;
        // positions both heads still hold: p ≡ 0 (mod 3), and the last
        int[] kept = java.util.stream.IntStream.range(0, ENTRIES).filter(p -> p % 3 == 0 || p == ENTRIES - 1).toArray();
        float[] queries = new float[kept.length * width];
        for (int i = 0; i < kept.length; i++) {
            System.arraycopy(s.query(kept[i]), 0, queries, i * width, width);
        }
        try (WorkerPool pool = new WorkerPool(2)) {
            float[] chunk = new float[kept.length * width];
            s.attention.run(s.cache, 0, s.views, queries, kept, kept.length, chunk, pool, null);
            for (int i = 0; i < kept.length; i++) {
                int p = kept[i];
                float[] alone = new float[width];
                s.attention.run(s.cache, 0, s.views, s.query(p), new int[] {p}, 1, alone, pool, null);
                assertArrayEquals(alone, Arrays.copyOfRange(chunk, i * width, (i + 1) * width), "token at position " + p);
                assertClose(s.reference(p), alone, dtype, p);
            }
        }
    }

    /**
     * EpiCache's score (MaxAttention) against the reference's rule (ml-epicache attention/score.py, the flattened
     * scoring): the observed tokens (a patched prompt, appended after the past like the overlay) attend as usual,
     * and each past entry scores the largest softmax weight, over the past keys only, from any of them and any query
     * head of its group; computed here in double. Normalising over the prompt's own keys too (the old rule) gives
     * every score about a factor past/(past + prompt) lower, far outside the tolerance.
     */
    @ParameterizedTest(name = "heads {0}/{1}, prompt {2}")
    @CsvSource({"8, 2, 7", "6, 2, 1", "8, 2, 20"})
    void maxAttentionIsTheSoftmaxOverThePastOnly(int heads, int kvHeads, int prompt) {
        Setup s = new Setup(heads, kvHeads, 0, CacheDtype.F32);
        int past = ENTRIES - prompt;
        SplittableRandom random = new SplittableRandom(5);
        // the prompt's entries leave, the scorer is made over the past, and the prompt's new keys come as an overlay
        for (int h = 0; h < kvHeads; h++) {
            for (int slot = past; slot < ENTRIES; slot++) {
                s.cache.head(0, h).evict(slot);
            }
        }
        io.longstream.inference.MaxAttention scores = new io.longstream.inference.MaxAttention(s.cache);
        for (int h = 0; h < kvHeads; h++) {
            for (int p = past; p < ENTRIES; p++) {
                s.cache.head(0, h).append(p, uniform(random, HEAD_DIM), 0, uniform(random, HEAD_DIM), 0);
            }
        }
        int width = heads * HEAD_DIM;
        float[] queries = new float[prompt * width];
        int[] positions = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            positions[i] = past + i;
            System.arraycopy(s.query(past + i), 0, queries, i * width, width);
        }
        try (WorkerPool pool = new WorkerPool(2)) {
            s.attention.run(s.cache, 0, s.views, queries, positions, prompt, new float[prompt * width], pool, scores);
        }
        int group = heads / kvHeads;
        float[] key = new float[HEAD_DIM];
        for (int h = 0; h < kvHeads; h++) {
            HeadCache head = s.cache.head(0, h);
            double[] expected = new double[past];
            for (int p : positions) {
                for (int g = 0; g < group; g++) {
                    double[] q = s.rotate(s.query(p), (h * group + g) * HEAD_DIM, p);
                    double[] logits = new double[past];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int slot = 0; slot < past; slot++) {
                        head.readKeys(slot, 1, key, 0);
                        double[] k = s.rotate(key, 0, head.position(slot));
                        for (int d = 0; d < HEAD_DIM; d++) {
                            logits[slot] += q[d] * k[d] / Math.sqrt(HEAD_DIM);
                        }
                        max = Math.max(max, logits[slot]);
                    }
                    double sum = 0;
                    for (int slot = 0; slot < past; slot++) {
                        sum += Math.exp(logits[slot] - max);
                    }
                    for (int slot = 0; slot < past; slot++) {
                        expected[slot] = Math.max(expected[slot], Math.exp(logits[slot] - max) / sum);
                    }
                }
            }
            float[] actual = scores.of(0, h);
            for (int slot = 0; slot < past; slot++) {
                assertEquals(expected[slot], actual[slot], 1e-5 * expected[slot], "KV head " + h + ", slot " + slot);
            }
            // the prompt's keys sit in the slots the past left free: they get no score
            for (int slot = past; slot < actual.length; slot++) {
                assertEquals(0f, actual[slot], "KV head " + h + ", prompt slot " + slot);
            }
        }
    }

    private static void assertClose(double[] expected, float[] actual, CacheDtype dtype, int position) {
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        // the view rounds rotated bf16 keys to bf16 once more (observed: below 7e-4); a misplaced key dimension costs 5e-2
        double tolerance = dtype == CacheDtype.BF16 ? 2e-3 : 1e-5;
        assertTrue(worst <= tolerance * scale, "position " + position + ": max error " + worst + " of " + scale);
    }

    /** One layer of random keys and values at positions 0..ENTRIES-1, its views, and random queries. */
    private static final class Setup {
        final int heads;
        final int kvHeads;
        final int window;
        final float[] invFreq = new float[HEAD_DIM / 2];
        final KvCache cache;
        final HeadView[] views;
        final Attention attention;
        final float[][] queries = new float[ENTRIES][];

        Setup(int heads, int kvHeads, int window, CacheDtype dtype) {
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.window = window;
            for (int i = 0; i < invFreq.length; i++) {
                invFreq[i] = (float) Math.pow(10000, -2.0 * i / HEAD_DIM);
            }
            SplittableRandom random = new SplittableRandom(11);
            cache = new KvCache(1, kvHeads, HEAD_DIM, dtype);
            views = new HeadView[kvHeads];
            for (int h = 0; h < kvHeads; h++) {
                views[h] = new HeadView(HEAD_DIM);
                for (int p = 0; p < ENTRIES; p++) {
                    cache.head(0, h).append(p, uniform(random, HEAD_DIM), 0, uniform(random, HEAD_DIM), 0);
                }
            }
            for (int p = 0; p < ENTRIES; p++) {
                queries[p] = uniform(random, heads * HEAD_DIM);
            }
            attention = new Attention(heads, kvHeads, HEAD_DIM, window, new RopeTable(invFreq));
        }

        float[] query(int p) {
            return queries[p];
        }

        /**
         * out[h] = Σ_j softmax_j(rot(q_h)·rot(k_j) / √d)·v_j over the held, visible j, in double; RoPE by position, or
         * by rank among the KV head's held positions in RANK mode.
         */
        double[] reference(int p) {
            double[] out = new double[heads * HEAD_DIM];
            float[] key = new float[HEAD_DIM];
            float[] value = new float[HEAD_DIM];
            for (int h = 0; h < heads; h++) {
                HeadCache head = cache.head(0, h / (heads / kvHeads));
                int[] held = java.util.stream.IntStream.range(0, head.slots()).map(head::position).filter(x -> x != HeadCache.FREE)
                        .sorted().toArray();
                double[] q = rotate(queries[p], h * HEAD_DIM, ropeIndex(held, p));
                int first = window > 0 ? Math.max(0, p - window + 1) : 0;
                double[] scores = new double[head.slots()];
                double max = Double.NEGATIVE_INFINITY;
                for (int slot = 0; slot < head.slots(); slot++) {
                    int position = head.position(slot);
                    if (position == HeadCache.FREE || position < first || position > p) {
                        continue;
                    }
                    head.readKeys(slot, 1, key, 0);
                    double[] k = rotate(key, 0, ropeIndex(held, position));
                    for (int d = 0; d < HEAD_DIM; d++) {
                        scores[slot] += q[d] * k[d] / Math.sqrt(HEAD_DIM);
                    }
                    max = Math.max(max, scores[slot]);
                }
                double sum = 0;
                for (int slot = 0; slot < head.slots(); slot++) {
                    int position = head.position(slot);
                    boolean visible = position != HeadCache.FREE && position >= first && position <= p;
                    scores[slot] = visible ? Math.exp(scores[slot] - max) : 0;
                    sum += scores[slot];
                }
                for (int slot = 0; slot < head.slots(); slot++) {
                    if (scores[slot] > 0) {
                        head.readValues(slot, 1, value, 0);
                        for (int d = 0; d < HEAD_DIM; d++) {
                            out[h * HEAD_DIM + d] += scores[slot] / sum * value[d];
                        }
                    }
                }
            }
            return out;
        }

        private int ropeIndex(int[] held, int position) {
            return cache.ropeMode() == RopeMode.RANK ? Arrays.binarySearch(held, position) : position;
        }

        private double[] rotate(float[] x, int off, int position) {
            int half = HEAD_DIM / 2;
            double[] r = new double[HEAD_DIM];
            for (int i = 0; i < half; i++) {
                double angle = position * (double) invFreq[i];
                r[i] = x[off + i] * Math.cos(angle) - x[off + i + half] * Math.sin(angle);
                r[i + half] = x[off + i + half] * Math.cos(angle) + x[off + i] * Math.sin(angle);
            }
            return r;
        }
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
