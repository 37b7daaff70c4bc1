package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Batch invariance of the CPU backend's {@link Transformer#forward(List)} ({@link BatchInvariance}), with one thread
 * alone and 1 to 3 threads in the batch. Fixed seed and tries.
 */
class BatchedForwardTest {
    @Property(tries = 40, seed = "11")
    void everyStepOfABatchGivesTheBitsOfTheStepAlone(@ForAll @IntRange(min = 0, max = 4) int modelIndex,
                                                     @ForAll @IntRange(min = 1, max = 3) int threads,
                                                     @ForAll @IntRange(min = 1, max = 6) int sessions,
                                                     @ForAll @IntRange(min = 1, max = 3) int rounds,
                                                     @ForAll long seed) {
        String name = Fixtures.MODELS[modelIndex];
        BatchInvariance.check(name, LoadedModels.get(name, 1).transformer(), LoadedModels.get(name, threads).transformer(),
                sessions, rounds, seed);
    }

    @Test
    void stepsSharingACacheAreRefusedBeforeAnythingRuns() {
        Transformer t = LoadedModels.get("llama-tiny-f32", 2).transformer();
        KvCache shared = t.newCache(CacheDtype.BF16);
        KvCache other = t.newCache(CacheDtype.BF16);
        t.forward(new int[] {5, 6, 7}, shared, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.forward(List.of(
                new ForwardStep(new int[] {1}, shared, false), new ForwardStep(new int[] {2}, other, false),
                new ForwardStep(new int[] {3}, shared, false))));
        assertTrue(e.getMessage().contains("steps 0 and 2"), e.getMessage());
        assertEquals(3, shared.nextPosition(), "no position was claimed");
        assertEquals(0, other.nextPosition(), "no position was claimed");
        assertEquals(3, shared.head(0, 0).slots(), "nothing was appended");
    }

    @Test
    void aBadTokenAnywhereInTheBatchFailsItBeforeAnythingRuns() {
        Transformer t = LoadedModels.get("llama-tiny-f32", 2).transformer();
        KvCache first = t.newCache(CacheDtype.F32);
        KvCache second = t.newCache(CacheDtype.F32);
        assertThrows(IllegalArgumentException.class, () -> t.forward(List.of(
                new ForwardStep(new int[] {1, 2}, first, false), new ForwardStep(new int[] {t.config().vocab}, second, false))));
        assertEquals(0, first.nextPosition());
        assertEquals(0, first.head(0, 0).slots());
    }
}
