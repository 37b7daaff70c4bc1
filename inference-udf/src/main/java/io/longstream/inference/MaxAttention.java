package io.longstream.inference;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;

/**
 * EpiCache's score(l, h, p) (kv-policies §6, "Per chunk"): for every entry the cache held before the observed
 * forward (the past), the largest weight it gets from any observed query token and any query head of its KV head's
 * group, with each token's softmax normalised over the past entries only, as the reference's scoring does. The
 * observed tokens' own keys (the patched prompt's overlay) shape the forward but neither take weight from the past
 * nor get a score.
 */
public final class MaxAttention implements AttentionObserver {
    private final float[][][] max; // [layer][kvHead][slot]
    private final boolean[][][] past; // [layer][kvHead][slot]: used before the forward

    /** For a forward over {@code cache}: the entries it holds now are the ones scored. */
    public MaxAttention(KvCache cache) {
        max = new float[cache.layers()][cache.kvHeads()][];
        past = new boolean[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                max[l][h] = new float[head.slots()];
                past[l][h] = new boolean[head.slots()];
                for (int slot = 0; slot < head.slots(); slot++) {
                    past[l][h][slot] = head.position(slot) != HeadCache.FREE;
                }
            }
        }
    }

    /**
     * exps are e^(logit − row max) over every visible slot; dividing the past ones by their own sum gives the softmax
     * over the past alone (the row max cancels), in one fixed order. Exact to float rounding while no past logit is
     * more than 87 below the row's largest (the kernel's exp clamps there), far beyond what a cache with sinks sees.
     */
    @Override
    public void weights(int layer, int kvHead, int token, int groupHead, float[] exps, int offset, int lo, int hi, float sum) {
        boolean[] scored = past[layer][kvHead];
        int end = Math.min(hi, scored.length - 1);
        float pastSum = 0f;
        for (int j = lo; j <= end; j++) {
            if (scored[j]) {
                pastSum += exps[offset + j];
            }
        }
        if (pastSum == 0f) {
            return; // no past entry visible to this token
        }
        float[] m = max[layer][kvHead];
        for (int j = lo; j <= end; j++) {
            if (scored[j]) {
                m[j] = Math.max(m[j], exps[offset + j] / pastSum);
            }
        }
    }

    /** Scores of (layer, kvHead) by slot, for the slots the cache had when this was made (0 for free ones). */
    public float[] of(int layer, int kvHead) {
        return max[layer][kvHead];
    }
}
