package io.longstream.inference.cuda;

import io.longstream.inference.BatchInvariance;
import io.longstream.inference.Fixtures;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Batch invariance on the GPU ({@link BatchInvariance}): every step of a random batch gives the bits, attention
 * weights and pages of the step run alone, and each session's device cache mirrors its host cache bit for bit.
 */
@AddLifecycleHook(NoGpuSkips.class)
class CudaBatchInvarianceTest {
    @Property(tries = 30, seed = "16")
    void everyStepOfABatchGivesTheBitsOfTheStepAlone(@ForAll @IntRange(min = 0, max = 4) int modelIndex,
                                                     @ForAll @IntRange(min = 1, max = 8) int sessions,
                                                     @ForAll @IntRange(min = 1, max = 3) int rounds,
                                                     @ForAll long seed) {
        String name = Fixtures.MODELS[modelIndex];
        CudaTransformer gpu = Gpu.transformer(name);
        BatchInvariance.check(name, gpu, gpu, sessions, rounds, seed, gpu::mirrorDifferences);
    }
}
