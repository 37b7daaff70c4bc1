package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;
import org.junit.jupiter.api.Test;

/**
 * RoPE by rank (StreamingLLM's positions within the cache) against RoPE by position on a cache
 * whose entries were renumbered 0..n−1: attention must see the same thing.
 */
class RankRopeTest {
    private static final int[] PROMPT = new int[40];
    private static final int[] NEXT = {17, 201, 9};

    static {
        for (int i = 0; i < PROMPT.length; i++) {
            PROMPT[i] = (i * 37 + 11) % 384;
        }
    }

    @Test
    void withNothingEvictedRankIsThePositionSoLogitsAreTheSameBits() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            KvCache byPosition = model.transformer().newCache(CacheDtype.F32);
            KvCache byRank = model.transformer().newCache(CacheDtype.F32);
            byRank.setRopeMode(RopeMode.RANK);
            assertArrayEquals(model.transformer().forward(PROMPT, byPosition, true), model.transformer().forward(PROMPT, byRank, true));
        }
    }

    @Test
    void afterEvictionsRankRopeEqualsAFreshCacheOfTheKeptEntriesRenumbered() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            KvCache evicted = model.transformer().newCache(CacheDtype.F32);
            evicted.setRopeMode(RopeMode.RANK);
            model.transformer().forward(PROMPT, evicted, false);
            for (int l = 0; l < evicted.layers(); l++) {
                for (int h = 0; h < evicted.kvHeads(); h++) {
                    HeadCache head = evicted.head(l, h);
                    // keep 4 sinks and the recent tail, as sinks would; the chunk below reuses the freed slots
                    for (int slot : head.slotsByPosition()) {
                        int p = head.position(slot);
                        if (p >= 4 && p < 25) {
                            head.evict(slot);
                        }
                    }
                }
            }
            KvCache renumbered = model.transformer().newCache(CacheDtype.F32);
            int n = 0;
            float[] key = new float[evicted.headDim()];
            float[] value = new float[evicted.headDim()];
            for (int l = 0; l < evicted.layers(); l++) {
                for (int h = 0; h < evicted.kvHeads(); h++) {
                    HeadCache head = evicted.head(l, h);
                    int rank = 0;
                    for (int slot : head.slotsByPosition()) {
                        head.readKeys(slot, 1, key, 0);
                        head.readValues(slot, 1, value, 0);
                        renumbered.head(l, h).append(rank++, key, 0, value, 0);
                    }
                    n = rank;
                }
            }
            renumbered.restoreNextPosition(n);
            // two forwards: the second extends the views with entries appended into freed slots
            model.transformer().forward(new int[] {NEXT[0]}, renumbered, false);
            model.transformer().forward(new int[] {NEXT[0]}, evicted, false);
            int[] rest = java.util.Arrays.copyOfRange(NEXT, 1, NEXT.length);
            float[] expected = model.transformer().forward(rest, renumbered, true);
            float[] actual = model.transformer().forward(rest, evicted, true);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            // the same sums in another slot order: equal up to float rounding
            assertTrue(worst <= 1e-5 * scale, "max error " + worst + " against logit scale " + scale);
        }
    }
}
