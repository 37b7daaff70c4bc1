package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Our float32 forward pass against Hugging Face's float64 logits for every reference model. */
class ReferenceLogitsTest {
    /** The fixtures README's target: max error well below 1e-3 of the largest |logit|. */
    private static final double TOLERANCE = 1e-4;

    static String[] models() {
        return Fixtures.MODELS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void fullPassAndChunkedPrefillMatchReferenceLogits(String name) {
        Fixtures.Reference ref = Fixtures.reference(name);
        try (Model model = Model.load(Fixtures.model(name), 2)) {
            float[] full = logits(model, ref.inputIds, ref.inputIds.length, CacheDtype.F32);
            double err = ref.relativeError(full);
            System.out.printf("%s full pass: max |error| / max |logit| = %.3e%n", name, err);
            assertTrue(err < TOLERANCE, name + " full-pass error " + err);
            for (int chunk : new int[] {1, 7, 64}) {
                float[] chunked = logits(model, ref.inputIds, chunk, CacheDtype.F32);
                System.out.printf("%s chunk %d: max |error| / max |logit| = %.3e%n", name, chunk, ref.relativeError(chunked));
                // every output is a fixed-order chain, so chunking changes no bit
                assertArrayEquals(full, chunked, name + " chunk " + chunk + " differs from the full pass");
            }
            float[] bf16 = logits(model, ref.inputIds, 64, CacheDtype.BF16);
            System.out.printf("%s bf16 cache: max |error| / max |logit| = %.3e%n", name, ref.relativeError(bf16));
            assertTrue(ref.relativeError(bf16) < 2e-2, name + " bf16-cache error");
            float[] int8 = logits(model, ref.inputIds, 64, CacheDtype.INT8);
            System.out.printf("%s int8 cache: max |error| / max |logit| = %.3e%n", name, ref.relativeError(int8));
            assertTrue(ref.relativeError(int8) < 5e-2, name + " int8-cache error");
        }
    }

    static float[] logits(Model model, int[] ids, int chunk, CacheDtype dtype) {
        KvCache cache = model.transformer().newCache(dtype);
        return new ChunkedPrefill(model.transformer(), chunk).run(ids, cache, true);
    }
}
