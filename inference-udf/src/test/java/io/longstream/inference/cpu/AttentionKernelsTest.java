package io.longstream.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
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
                double[] expected = s.reference(p);
                double worst = 0;
                double scale = 0;
                for (int i = 0; i < out.length; i++) {
                    worst = Math.max(worst, Math.abs(out[i] - expected[i]));
                    scale = Math.max(scale, Math.abs(expected[i]));
                }
                // the view rounds rotated bf16 keys to bf16 once more (observed: below 7e-4); a misplaced key dimension costs 5e-2
                double tolerance = dtype == CacheDtype.BF16 ? 2e-3 : 1e-5;
                assertTrue(worst <= tolerance * scale, "position " + p + ": max error " + worst + " of " + scale);
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
                float[] fromChunk = new float[width];
                System.arraycopy(chunk, p * width, fromChunk, 0, width);
                assertArrayEquals(alone, fromChunk, "token at position " + p);
            }
        }
        if (dtype == CacheDtype.BF16) {
            assertNotNull(s.views[0].packedKeys(), "a bf16 head of " + HEAD_DIM + " is viewed packed");
        }
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

        /** out[h] = Σ_j softmax_j(rot(q_h, p)·rot(k_j, j) / √d)·v_j over the visible j, in double. */
        double[] reference(int p) {
            double[] out = new double[heads * HEAD_DIM];
            float[] key = new float[HEAD_DIM];
            float[] value = new float[HEAD_DIM];
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                double[] q = rotate(queries[p], h * HEAD_DIM, p);
                int first = window > 0 ? Math.max(0, p - window + 1) : 0;
                double[] scores = new double[p + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= p; j++) {
                    cache.head(0, kvh).readKeys(j, 1, key, 0);
                    double[] k = rotate(key, 0, j);
                    for (int d = 0; d < HEAD_DIM; d++) {
                        scores[j] += q[d] * k[d] / Math.sqrt(HEAD_DIM);
                    }
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = first; j <= p; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = first; j <= p; j++) {
                    cache.head(0, kvh).readValues(j, 1, value, 0);
                    for (int d = 0; d < HEAD_DIM; d++) {
                        out[h * HEAD_DIM + d] += scores[j] / sum * value[d];
                    }
                }
            }
            return out;
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
