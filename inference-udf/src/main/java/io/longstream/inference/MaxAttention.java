package io.longstream.inference;

import io.longstream.state.cache.KvCache;

/**
 * The largest attention weight each cache slot got from any observed query token and any query head
 * of its KV head's group (EpiCache's score(l, h, p)), per (layer, KV head, slot).
 */
public final class MaxAttention implements AttentionObserver {
    private final float[][][] max; // [layer][kvHead][slot]

    /** For a forward over {@code cache}, whose slots it may add to: room for {@code extraSlots} more. */
    public MaxAttention(KvCache cache, int extraSlots) {
        max = new float[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                max[l][h] = new float[cache.head(l, h).slots() + extraSlots];
            }
        }
    }

    @Override
    public void weights(int layer, int kvHead, int token, int groupHead, float[] exps, int offset, int lo, int hi, float sum) {
        float[] m = max[layer][kvHead];
        int end = Math.min(hi, m.length - 1);
        for (int j = lo; j <= end; j++) {
            m[j] = Math.max(m[j], exps[offset + j] / sum);
        }
    }

    /** Scores of (layer, kvHead) by slot. */
    public float[] of(int layer, int kvHead) {
        return max[layer][kvHead];
    }
}
