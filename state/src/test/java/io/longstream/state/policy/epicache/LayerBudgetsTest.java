package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class LayerBudgetsTest {
    @Test
    void theProfileMovesBudgetToLayersThatChangeMostThenTheClampIsPaidForByTheLargest() {
        // minmax {0.1, 0.5, 0.9} = {0, 0.5, 1}; w = {1, 0.5^1.1, 0} = {1, 0.466516..., 0}, Σw = 1.466516...
        // L·M = 300: b = floor({204.566..., 95.433..., 0}) = {204, 95, 0}; clamp to floor(100/4) = 25 ⇒ {204, 95, 25},
        // Σ = 324 > 300, so the largest (layer 0) is lowered 24 times ⇒ {180, 95, 25}, Σ = 300
        assertArrayEquals(new int[] {180, 95, 25}, LayerBudgets.allocate(new double[] {0.1, 0.5, 0.9}, 1.1, 3, 100));
    }

    @Test
    void theWeightsAreOneMinusTheMinMaxScaledProfileToTheAlpha() {
        assertArrayEquals(new double[] {1, StrictMath.pow(0.5, 1.1), 0}, LayerBudgets.weights(new double[] {0.1, 0.5, 0.9}, 1.1, 3));
        assertArrayEquals(new double[] {1, 1}, LayerBudgets.weights(new double[] {0.3, 0.3}, 1.1, 2), "a flat profile");
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.weights(new double[] {0, 1}, -1, 2));
    }

    @Test
    void loweringTakesFromTheLowestOfEquallyLargeLayersFirst() {
        // minmax {0, 0, 1}; w = {1, 1, 0}, Σw = 2; b = floor(1·300/2) = {150, 150, 0}; clamp ⇒ {150, 150, 25}, Σ = 325:
        // 25 steps alternate layer 0 (on the tie), layer 1, ..., so layer 0 gives 13 and layer 1 gives 12
        assertArrayEquals(new int[] {137, 138, 25}, LayerBudgets.allocate(new double[] {2, 2, 7}, 1, 3, 100));
    }

    @Test
    void theFloorIsAtLeastOneEntryForATinyRetainedShare() {
        // M = 2: floor(2/4) = 0, so the floor is 1; w = {1, 0}, b = floor({4, 0}) = {4, 0} ⇒ clamp {4, 1}, Σ = 5 > 4 ⇒ {3, 1}
        assertArrayEquals(new int[] {3, 1}, LayerBudgets.allocate(new double[] {0, 1}, 1, 2, 2));
    }

    @Test
    void eachShareIsRoundedDownBeforeTheClamp() {
        // minmax {0, 1/3, 2/3, 1}; w = (1 − x)^1 = {1, 2/3, 1/3, 0}, Σw = 2; L·M = 400: b = {200, 133.33, 66.66, 0}
        // ⇒ floor {200, 133, 66, 0}; clamp layer 3 to 25 ⇒ Σ = 424 > 400 ⇒ layer 0 lowered 24 times ⇒ {176, 133, 66, 25}
        assertArrayEquals(new int[] {176, 133, 66, 25}, LayerBudgets.allocate(new double[] {0, 1, 2, 3}, 1, 4, 100));
        // the top layer always weighs 0 when α > 0, so the clamp always applies: α = 0.5 on {0, 1}, M = 200:
        // w = {1, 0}, L·M = 400 ⇒ b = {400, 0} ⇒ clamp {400, 50} ⇒ lower to {350, 50}
        assertArrayEquals(new int[] {350, 50}, LayerBudgets.allocate(new double[] {0, 1}, 0.5, 2, 200));
    }

    @Test
    void alphaZeroGivesEveryLayerTheRetainedAverage() {
        assertArrayEquals(new int[] {100, 100, 100}, LayerBudgets.allocate(new double[] {0.1, 0.5, 0.9}, 0, 3, 100));
    }

    @Test
    void noProfileGivesEveryLayerTheRetainedAverageWhateverAlpha() {
        assertArrayEquals(new int[] {128, 128, 128, 128}, LayerBudgets.allocate(null, 1.1, 4, 128));
    }

    @Test
    void aFlatProfileGivesEveryLayerTheRetainedAverage() {
        // max == min ⇒ every minmax is 0 ⇒ every w is 1 ⇒ b_l = floor(L·M/L) = M
        assertArrayEquals(new int[] {77, 77, 77}, LayerBudgets.allocate(new double[] {0.4, 0.4, 0.4}, 1.1, 3, 77));
    }

    @Test
    void theResultIsTheSameOnEveryCall() {
        double[] profile = {0.91, 0.13, 0.55, 0.72, 0.08, 0.33};
        assertArrayEquals(LayerBudgets.allocate(profile, 1.1, 6, 300), LayerBudgets.allocate(profile.clone(), 1.1, 6, 300));
    }

    @Property(tries = 100, seed = "11")
    void budgetsSumToAtMostTheTotalAndNoneFallsBelowTheFloor(@ForAll @IntRange(min = 1, max = 48) int layers,
                                                              @ForAll @IntRange(min = 1, max = 5000) int retained,
                                                              @ForAll @IntRange(min = 0, max = 40) int alphaTenths, @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] profile = new double[layers];
        for (int l = 0; l < layers; l++) {
            profile[l] = random.nextInt(4) == 0 ? 0.5 : random.nextDouble(); // some repeated values
        }
        int[] budgets = LayerBudgets.allocate(profile, alphaTenths / 10.0, layers, retained);
        assertEquals(layers, budgets.length);
        long sum = Arrays.stream(budgets).asLongStream().sum();
        assertTrue(sum <= (long) layers * retained, "Σ b_l = " + sum + " > L·M");
        int least = Math.max(1, retained / 4);
        for (int b : budgets) {
            assertTrue(b >= least, "b_l = " + b + " < " + least);
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.allocate(new double[] {0, 1}, 1.1, 3, 100));
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.allocate(new double[] {0, Double.NaN}, 1.1, 2, 100));
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.allocate(new double[] {0, 1}, -0.5, 2, 100));
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.allocate(new double[] {0, 1}, Double.NaN, 2, 100));
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.allocate(null, 1.1, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> LayerBudgets.allocate(null, 1.1, 2, 0));
    }

    @Test
    void aBudgetOf256WithChunk512SplitsIntoQuarters() {
        EpisodeBudget budget = EpisodeBudget.of(256, 512);
        assertEquals(256, budget.budget());
        assertEquals(64, budget.chunk()); // min(512, floor(256/4))
        assertEquals(64, budget.promptCap()); // min(512, floor(256/4))
        assertEquals(128, budget.headroom()); // 64 + 64
        assertEquals(128, budget.retained()); // 256 − 128
    }

    @Test
    void aSmallConfiguredChunkAndALargeBudgetCapTheirShares() {
        EpisodeBudget budget = EpisodeBudget.of(8192, 100);
        assertEquals(100, budget.chunk()); // min(100, 2048)
        assertEquals(512, budget.promptCap()); // min(512, 2048)
        assertEquals(612, budget.headroom());
        assertEquals(7580, budget.retained());
    }

    @Test
    void theSmallestBudgetKeepsAtLeastOneRetainedEntry() {
        EpisodeBudget budget = EpisodeBudget.of(4, 512);
        assertEquals(1, budget.chunk());
        assertEquals(1, budget.promptCap());
        assertEquals(2, budget.retained());
    }

    @Test
    void budgetsWithoutRoomForAChunkAreRefusedNamingBAndC() {
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class, () -> EpisodeBudget.of(3, 512));
        assertTrue(tooSmall.getMessage().contains("B = 3") && tooSmall.getMessage().contains("C = 512"), tooSmall.getMessage());
        IllegalArgumentException noChunk = assertThrows(IllegalArgumentException.class, () -> EpisodeBudget.of(256, 0));
        assertTrue(noChunk.getMessage().contains("B = 256") && noChunk.getMessage().contains("C = 0"), noChunk.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EpisodeBudget.of(-8, 512));
    }

    @Test
    void aGivenPromptCapReplacesTheQuarterOfTheBudget() {
        EpisodeBudget budget = EpisodeBudget.of(1152, 213, 512);
        assertEquals(213, budget.chunk()); // min(213, 288)
        assertEquals(512, budget.promptCap()); // prompt=512, not min(512, 288)
        assertEquals(427, budget.retained()); // 1152 − 213 − 512
        IllegalArgumentException noRoom = assertThrows(IllegalArgumentException.class, () -> EpisodeBudget.of(1152, 213, 939));
        assertTrue(noRoom.getMessage().contains("Pcap = 939") && noRoom.getMessage().contains("M = B - c* - Pcap"), noRoom.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> EpisodeBudget.of(1152, 213, -1));
        assertTrue(negative.getMessage().contains("prompt="), negative.getMessage());
    }

    @Property(tries = 100, seed = "11")
    void everyAcceptedBudgetRetainsAtLeastOneEntry(@ForAll @IntRange(min = -10, max = 100_000) int budget,
                                                   @ForAll @IntRange(min = -10, max = 5000) int configuredChunk) {
        if (Math.min(configuredChunk, budget / 4) < 1) {
            assertThrows(IllegalArgumentException.class, () -> EpisodeBudget.of(budget, configuredChunk));
            return;
        }
        EpisodeBudget b = EpisodeBudget.of(budget, configuredChunk);
        assertTrue(b.retained() >= 1 && b.chunk() >= 1 && b.headroom() + b.retained() == budget);
    }
}
