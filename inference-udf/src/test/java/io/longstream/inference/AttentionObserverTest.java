package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AttentionObserverTest {
    private static final int[] TOKENS = {3, 77, 140, 9, 250, 31, 18, 200, 5, 66, 123, 45};

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-f32", "mistral-tiny-swa-f32"})
    void observedWeightsAreCausalDistributionsAndObservingChangesNoBit(String name) {
        try (Model model = Model.load(Fixtures.model(name), 2)) {
            int window = model.config().slidingWindow;
            float[] plain = model.transformer().forward(TOKENS, model.transformer().newCache(CacheDtype.F32), true);
            AtomicInteger calls = new AtomicInteger();
            AttentionObserver check = (layer, kvHead, token, g, exps, offset, lo, hi, sum) -> {
                calls.incrementAndGet();
                // the chunk's token t sits in slot t of an empty cache; it sees slots (t - window, t]
                assertEquals(token, hi, "a token sees nothing after itself");
                assertTrue(window == 0 || lo > token - window, "nothing before the window");
                double total = 0;
                for (int j = lo; j <= hi; j++) {
                    float w = exps[offset + j] / sum;
                    assertTrue(w >= 0 && w <= 1);
                    total += w;
                }
                assertEquals(1.0, total, 1e-5);
            };
            float[] observed = model.transformer().forward(TOKENS, model.transformer().newCache(CacheDtype.F32), true, check);
            assertArrayEquals(plain, observed);
            assertEquals(model.config().layers * model.config().heads * TOKENS.length, calls.get(), "one call per layer, query head and token");
        }
    }

    /**
     * With one entry in the cache, that entry is the whole past: every observed token gives it weight 1 however
     * much it attends to itself (the softmax is over past keys only), and the observed token's own key gets no score.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-f32"})
    void maxAttentionGivesALonePastEntryFullWeight(String name) {
        try (Model model = Model.load(Fixtures.model(name), 1)) {
            KvCache cache = model.transformer().newCache(CacheDtype.F32);
            model.transformer().forward(new int[] {42}, cache, false);
            MaxAttention scores = new MaxAttention(cache);
            model.transformer().forward(new int[] {7, 99}, cache, false, scores);
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    assertArrayEquals(new float[] {1f}, scores.of(l, h));
                }
            }
        }
    }
}
