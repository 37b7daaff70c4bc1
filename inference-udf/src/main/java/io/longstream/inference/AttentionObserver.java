package io.longstream.inference;

/**
 * Sees attention weights while a forward pass computes them, so a cache policy can score entries
 * (EpiCache, SnapKV-style) without a second pass. Called from the worker threads, each (layer, KV
 * head) from one thread at a time.
 */
public interface AttentionObserver {
    /**
     * Query token {@code token} (index in the chunk), query head {@code groupHead} of KV head
     * {@code kvHead}'s group: the weight of slot j is {@code exps[offset + j] / sum} for j in [lo, hi]
     * (0 where the slot is not visible); slots outside [lo, hi] have weight 0.
     */
    void weights(int layer, int kvHead, int token, int groupHead, float[] exps, int offset, int lo, int hi, float sum);
}
