package io.longstream.inference.epicache.profile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.Transformer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayerProfileTest {
    /** Token ids for models without a tokenizer: seeded, so every run profiles the same text. */
    private static int[] ids(Model model, int length) {
        SplittableRandom random = new SplittableRandom(17);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = random.nextInt(model.config().vocab);
        }
        return ids;
    }

    private static ProfileGeometry scaled(Model model) {
        return ProfileGeometry.scaledTo(model.config().maxPositions, Integer.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-f32", "llama3-tiny-bf16", "qwen2-tiny-bf16", "mistral-tiny-swa-f32"})
    void aBlockHoldingTheWholeTextLeavesEveryLayerAtOne(String name) {
        try (Model model = Model.load(Fixtures.model(name), 2)) {
            int[] text = ids(model, 300);
            for (int block : new int[] {300, 512}) {
                double[] s = LayerProfile.measure(model.transformer(), text, new ProfileGeometry(300, block, 4));
                assertEquals(model.config().layers, s.length);
                for (double value : s) {
                    assertEquals(1.0, value, 1e-6, name + " with block " + block + ": " + Arrays.toString(s));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3-tiny-bf16", "qwen2-tiny-bf16"})
    void restrictedBlocksKeepLayerZeroExactlyAndMoveEveryLaterLayer(String name) {
        try (Model model = Model.load(Fixtures.model(name), 2)) {
            ProfileGeometry geometry = scaled(model);
            double[] s = LayerProfile.measure(model.transformer(), ids(model, geometry.tokens()), geometry);
            assertLayerZeroExactAndLaterLayersBelowOne(s);
        }
    }

    @Test
    void theShippedTextMovesTheLaterLayersOfTheTokenizerModel() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 2)) {
            int[] text = ProfileText.shipped().tokens(model);
            ProfileGeometry geometry = ProfileGeometry.scaledTo(model.config().maxPositions, text.length);
            assertEquals(new ProfileGeometry(512, 128, 4), geometry);
            assertEquals(0, text[0], "BOS first");
            assertLayerZeroExactAndLaterLayersBelowOne(LayerProfile.measure(model.transformer(), text, geometry));
        }
    }

    @Test
    void aSlidingWindowInsideTheOverlapSeesTheSameKeysUnderBlocks() {
        try (Model model = Model.load(Fixtures.model("mistral-tiny-swa-f32"), 2)) {
            ProfileGeometry geometry = scaled(model);
            assertTrue(model.config().slidingWindow <= geometry.block() / 2, "each token's window lies in what its block sees");
            double[] s = LayerProfile.measure(model.transformer(), ids(model, geometry.tokens()), geometry);
            for (double value : s) {
                assertEquals(1.0, value, 1e-6, Arrays.toString(s));
            }
        }
    }

    /**
     * A two-layer model's last keys depend on layer 0's context-free keys and values of what a token sees, so a
     * fresh run over just those tokens (sinks, then the previous block's second half and the block, at their
     * original positions) must reproduce them: an independent check of the block mask, up to summation order.
     */
    @Test
    void theLastLayerOfATwoLayerModelMatchesFreshRunsOverExactlyTheVisibleTokens() {
        try (Model model = Model.load(Fixtures.model("qwen2-tiny-bf16"), 2)) {
            Transformer t = model.transformer();
            ProfileGeometry geometry = new ProfileGeometry(700, 160, 8);
            int[] text = ids(model, 700);
            int last = model.config().layers - 1;
            int kvHeads = model.config().kvHeads;
            int headDim = model.config().headDim;
            KvCache full = t.newCache(CacheDtype.F32);
            t.forward(text, full, false);
            WindowedCosine similarity = new WindowedCosine(model.config().layers, kvHeads, headDim, text.length, LayerProfile.WINDOW);
            for (int from = 0; from < text.length; from += geometry.block()) {
                int to = Math.min(from + geometry.block(), text.length);
                int seenFrom = Math.max(geometry.sinks(), from - geometry.block() / 2);
                KvCache fresh = t.newCache(CacheDtype.F32);
                if (from > 0) {
                    t.forward(Arrays.copyOf(text, geometry.sinks()), fresh, false);
                    fresh.restoreNextPosition(seenFrom);
                }
                t.forward(Arrays.copyOfRange(text, fresh.nextPosition(), to), fresh, false);
                for (int h = 0; h < kvHeads; h++) {
                    similarity.add(last, h, from, to, keys(full.head(last, h), from, to, headDim), keys(fresh.head(last, h), from, to, headDim));
                }
            }
            double expected = similarity.layerMeans()[last];
            double[] s = LayerProfile.measure(t, text, geometry);
            assertTrue(expected < 1 - 1e-3, "the blocks restrict: " + expected);
            assertEquals(expected, s[last], 1e-6);
        }
    }

    /** [to − from][headDim]: the keys of positions [from, to). */
    private static float[] keys(HeadCache head, int from, int to, int headDim) {
        float[] keys = new float[(to - from) * headDim];
        for (int slot = 0; slot < head.slots(); slot++) {
            int p = head.position(slot);
            if (p >= from && p < to) {
                head.readKeys(slot, 1, keys, (p - from) * headDim);
            }
        }
        return keys;
    }

    @Test
    void twoRunsAreBitIdentical() {
        try (Model model = Model.load(Fixtures.model("llama3-tiny-bf16"), 2)) {
            ProfileGeometry geometry = new ProfileGeometry(600, 150, 4);
            int[] text = ids(model, 600);
            double[] first = LayerProfile.measure(model.transformer(), text, geometry);
            double[] second = LayerProfile.measure(model.transformer(), text, geometry);
            assertArrayEquals(first, second);
        }
    }

    @Test
    void theReferenceGeometryScalesWithTheContext() {
        assertEquals(new ProfileGeometry(16384, 4096, 128), ProfileGeometry.scaledTo(131072, 40000));
        assertEquals(new ProfileGeometry(8192, 2048, 64), ProfileGeometry.scaledTo(8192, 40000));
        assertEquals(new ProfileGeometry(1024, 256, 8), ProfileGeometry.scaledTo(1024, 40000));
        assertEquals(new ProfileGeometry(3000, 750, 23), ProfileGeometry.scaledTo(0, 3000), "the text is shorter than the context");
    }

    private static void assertLayerZeroExactAndLaterLayersBelowOne(double[] s) {
        String all = Arrays.toString(s);
        assertEquals(1.0, s[0], 0.0, "layer 0's keys depend on the token alone: " + all);
        for (int l = 1; l < s.length; l++) {
            assertTrue(s[l] > -1 && s[l] < 1 - 1e-6, "layer " + l + " sees less context under blocks: " + all);
        }
    }
}
