package io.longstream.inference;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy (temperature 0; ties to the lower id) or temperature plus
 * nucleus (top-p) sampling from a seeded {@link SplittableRandom}, so the same seed gives the same tokens.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final SplittableRandom random;

    private Sampler(float temperature, float topP, SplittableRandom random) {
        this.temperature = temperature;
        this.topP = topP;
        this.random = random;
    }

    public static Sampler greedy() {
        return new Sampler(0f, 1f, null);
    }

    public static Sampler of(float temperature, float topP, long seed) {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        return temperature == 0f ? greedy() : new Sampler(temperature, topP, new SplittableRandom(seed));
    }

    /**
     * Moves past the draws of {@code tokens} tokens already sampled (one draw each; greedy draws
     * none), so an answer resumed in a later step or another JVM continues with the same numbers.
     */
    public Sampler skip(int tokens) {
        if (random != null) {
            for (int i = 0; i < tokens; i++) {
                random.nextDouble();
            }
        }
        return this;
    }

    /** Samples from {@code logits[offset, offset + vocab)}. */
    public int next(float[] logits, int offset, int vocab) {
        if (random == null) {
            return argmax(logits, offset, vocab);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = StrictMath.exp((logits[offset + i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        // the nucleus: most likely tokens until their mass reaches top-p of the total
        int kept = 0;
        double mass = 0;
        while (kept < vocab && (kept == 0 || mass < topP * sum)) {
            mass += p[order[kept++]];
        }
        double u = random.nextDouble() * mass;
        for (int i = 0; i < kept; i++) {
            u -= p[order[i]];
            if (u < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
