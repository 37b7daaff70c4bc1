package io.longstream.state.policy.epicache;

import java.util.Arrays;

/**
 * EpiCache's layer-wise allocation (kv-policies §6, "Layer budgets"): layers whose keys change least under
 * block-local attention need less room, so they give part of the retained total to the layers that change most.
 */
public final class LayerBudgets {
    private LayerBudgets() {
    }

    /**
     * The per-layer retained budgets b_l: {@code w_l = (1 − minmax(s)_l)^α}, {@code b_l = floor(w_l·L·M/Σw)}, then
     * {@code b_l ≥ max(1, floor(M/4))}; if that clamp lifts the sum past L·M, the largest b_l (the lowest layer on
     * ties) is lowered by one until Σ b_l ≤ L·M. With no profile or α = 0 every layer gets M.
     *
     * @param profile  s_l per layer (a higher value gets a smaller share), or null when the model has no profile
     * @param alpha    the allocation power α, ≥ 0
     * @param layers   L, ≥ 1
     * @param retained M, the retained average per layer, ≥ 1
     * @throws IllegalArgumentException if a count or α is out of range, or the profile has the wrong length or a
     *                                  non-finite value
     * @throws ArithmeticException      if L·M overflows an int
     */
    public static int[] allocate(double[] profile, double alpha, int layers, int retained) {
        if (layers < 1 || retained < 1) {
            throw new IllegalArgumentException("layer budgets need L >= 1 and M >= 1, got L = " + layers + ", M = " + retained);
        }
        checkAlpha(alpha);
        int[] budgets = new int[layers];
        if (profile == null || alpha == 0) {
            Arrays.fill(budgets, retained);
            return budgets;
        }
        double[] weights = weights(profile, alpha, layers);
        double weightSum = 0;
        for (double w : weights) {
            weightSum += w; // fixed order, so the sum is the same on every run
        }
        int total = Math.multiplyExact(layers, retained);
        int least = Math.max(1, retained / 4);
        long sum = 0;
        for (int l = 0; l < layers; l++) {
            // w_l <= 1 <= Σw (the profile's lowest layer weighs 1), so b_l <= L·M, which fits an int
            budgets[l] = Math.max(least, (int) Math.floor(weights[l] * total / weightSum));
            sum += budgets[l];
        }
        for (; sum > total; sum--) {
            budgets[largest(budgets)]--;
        }
        return budgets;
    }

    /**
     * The layer weights w_l = (1 − minmax(s)_l)^α that {@link #allocate} shares the budget by; a flat profile makes
     * every minmax 0, so every weight 1.
     *
     * @throws IllegalArgumentException if α is out of range, or the profile has the wrong length or a non-finite value
     */
    public static double[] weights(double[] profile, double alpha, int layers) {
        checkAlpha(alpha);
        if (profile.length != layers) {
            throw new IllegalArgumentException("the layer profile has " + profile.length + " values for " + layers + " layers");
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double s : profile) {
            if (!Double.isFinite(s)) {
                throw new IllegalArgumentException("the layer profile holds a non-finite value: " + s);
            }
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        double[] weights = new double[layers];
        for (int l = 0; l < layers; l++) {
            double scaled = max == min ? 0 : (profile[l] - min) / (max - min);
            weights[l] = StrictMath.pow(1 - scaled, alpha);
        }
        return weights;
    }

    private static void checkAlpha(double alpha) {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("the allocation power must be finite and >= 0, got " + alpha);
        }
    }

    /** The index of the largest value, the lowest index on ties. */
    private static int largest(int[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
