package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 3f, 0.5f, 2.9f, -1f};

    @Test
    void greedyTakesTheLowestIdAmongTiedMaxima() {
        assertEquals(1, Sampler.greedy().next(LOGITS, 0, LOGITS.length));
        assertEquals(1, Sampler.of(0f, 0.5f, 9).next(LOGITS, 0, LOGITS.length), "temperature 0 is greedy");
    }

    @Test
    void sameSeedGivesTheSameDraws() {
        assertArrayEquals(draws(42, 1f, 1f), draws(42, 1f, 1f));
        assertNotEquals(java.util.Arrays.toString(draws(42, 1f, 1f)), java.util.Arrays.toString(draws(43, 1f, 1f)));
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // probabilities ∝ e^{3}, e^{3}, e^{2.9}, ...: top-p 0.5 keeps the two tokens at 3
        for (int id : draws(5, 1f, 0.5f)) {
            assertTrue(id == 1 || id == 2, "drew " + id + " outside the nucleus");
        }
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sampler.of(-1f, 1f, 0)).getMessage().contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sampler.of(1f, 0f, 0)).getMessage().contains("top-p"));
    }

    private static int[] draws(long seed, float temperature, float topP) {
        Sampler s = Sampler.of(temperature, topP, seed);
        int[] out = new int[200];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.next(LOGITS, 0, LOGITS.length);
        }
        return out;
    }
}
