package io.longstream.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Fixtures;
import io.longstream.inference.LoadedModels;
import io.longstream.inference.Transformer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The CUDA backend's logits against Hugging Face's float64 ones and against the CPU backend, for every reference model. */
@ExtendWith(RequiresGpu.class)
class CudaReferenceLogitsTest {
    /** Issue 16's bound: within 1e-3 of the largest |logit|, with an f32 cache. */
    private static final double TOLERANCE = 1e-3;

    static String[] models() {
        return Fixtures.MODELS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void onePassAndChunkedPrefillMatchTheReferenceAndTheCpu(String name) {
        Fixtures.Reference ref = Fixtures.reference(name);
        Transformer gpu = Gpu.transformer(name);
        float[] full = logits(gpu, ref.inputIds, ref.inputIds.length, CacheDtype.F32);
        double err = ref.relativeError(full);
        System.out.printf("%s cuda full pass: max |error| / max |logit| = %.3e%n", name, err);
        assertTrue(err < TOLERANCE, name + " full-pass error " + err);
        for (int chunk : new int[] {1, 7, 64}) {
            float[] chunked = logits(gpu, ref.inputIds, chunk, CacheDtype.F32);
            // a row's attention order is fixed by its visible slots alone, and products are per row
            assertArrayEquals(full, chunked, name + " chunk " + chunk + " differs from the full pass");
        }
        float[] cpu = logits(LoadedModels.get(name, 2).transformer(), ref.inputIds, 64, CacheDtype.F32);
        double vsCpu = relative(full, cpu);
        System.out.printf("%s cuda vs cpu: max |difference| / max |logit| = %.3e%n", name, vsCpu);
        assertTrue(vsCpu < TOLERANCE, name + " differs from the CPU backend by " + vsCpu);
        double bf16 = ref.relativeError(logits(gpu, ref.inputIds, 64, CacheDtype.BF16));
        double f16 = ref.relativeError(logits(gpu, ref.inputIds, 64, CacheDtype.F16));
        double int8 = ref.relativeError(logits(gpu, ref.inputIds, 64, CacheDtype.INT8));
        System.out.printf("%s cuda bf16 cache %.3e, f16 cache %.3e, int8 cache %.3e%n", name, bf16, f16, int8);
        assertTrue(bf16 < 2e-2, name + " bf16-cache error " + bf16);
        assertTrue(f16 < 2e-2, name + " f16-cache error " + f16);
        assertTrue(int8 < 5e-2, name + " int8-cache error " + int8);
    }

    static float[] logits(Transformer t, int[] ids, int chunk, CacheDtype dtype) {
        KvCache cache = t.newCache(dtype);
        return new ChunkedPrefill(t, chunk).run(ids, cache, true);
    }

    /** max |a − b| / max |b|. */
    static double relative(float[] a, float[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }
}
