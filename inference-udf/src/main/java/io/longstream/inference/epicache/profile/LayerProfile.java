package io.longstream.inference.epicache.profile;

import io.longstream.inference.Transformer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;

/**
 * EpiCache's layer sensitivity s_l (kv-policies §6): how similar each layer's keys stay when attention is
 * restricted to blocks. The text runs twice, in blocks of {@code block} tokens: (a) into a cache that keeps
 * everything, i.e. full causal attention; (b) into a cache that after each block keeps only the sinks and the
 * block's last {@code block / 2} tokens, so a token sees the sinks, the previous block's second half and its
 * own block up to itself — exactly the reference's block mask with 50% overlap, every token computed once.
 * Both runs use the original positions, as the reference's single masked pass does, so (b) differs from (a)
 * only in what each token sees. s_l is then {@link WindowedCosine}'s mean over 100-token windows and KV heads.
 */
public final class LayerProfile {
    /** The reference's similarity window, in tokens. */
    public static final int WINDOW = 100;

    private LayerProfile() {
    }

    /**
     * s_l for every layer over the first {@code geometry.tokens()} of {@code text}, in (−1, 1]; 1 where
     * block-local attention leaves the keys unchanged (always layer 0, whose keys come from the token embedding
     * alone; every layer when the block holds the whole text). Holds a full cache of {@code geometry.tokens()}
     * entries per (layer, KV head) in f32 while it runs.
     */
    public static double[] measure(Transformer transformer, int[] text, ProfileGeometry geometry) {
        if (text.length < geometry.tokens()) {
            throw new IllegalArgumentException("the profile wants " + geometry.tokens() + " tokens, the text has " + text.length);
        }
        int[] tokens = Arrays.copyOf(text, geometry.tokens());
        int block = geometry.block();
        // f32, so the comparison sees the keys as computed, not rounded to a storage dtype
        KvCache full = transformer.newCache(CacheDtype.F32);
        KvCache local = transformer.newCache(CacheDtype.F32);
        WindowedCosine similarity = new WindowedCosine(full.layers(), full.kvHeads(), full.headDim(), tokens.length, WINDOW);
        float[] a = new float[Math.min(block, tokens.length) * full.headDim()]; // [block][headDim]
        float[] b = new float[a.length];
        for (int from = 0; from < tokens.length; from += block) {
            int to = Math.min(from + block, tokens.length);
            int[] chunk = Arrays.copyOfRange(tokens, from, to);
            transformer.forward(chunk, full, false);
            transformer.forward(chunk, local, false);
            // keys before RoPE, as the cache stores them: both runs rotate a token by the same original
            // position, an orthogonal map per token, so every window's cosine is the same as after RoPE
            for (int l = 0; l < full.layers(); l++) {
                for (int h = 0; h < full.kvHeads(); h++) {
                    keys(full.head(l, h), from, to, a);
                    keys(local.head(l, h), from, to, b);
                    similarity.add(l, h, from, to, a, b);
                }
            }
            keepSinksAndOverlap(local, geometry.sinks(), to - block / 2);
        }
        return similarity.layerMeans();
    }

    /** dst: [to − from][headDim], the keys of positions [from, to), found by position since slots are reused. */
    private static void keys(HeadCache head, int from, int to, float[] dst) {
        for (int slot = 0; slot < head.slots(); slot++) {
            int p = head.position(slot);
            if (p >= from && p < to) {
                head.readKeys(slot, 1, dst, (p - from) * head.headDim());
            }
        }
    }

    /** Evicts every entry at a position in [sinks, overlapFrom): what the next block must not see. */
    private static void keepSinksAndOverlap(KvCache cache, int sinks, int overlapFrom) {
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                for (int slot = 0; slot < head.slots(); slot++) {
                    int p = head.position(slot);
                    if (p != HeadCache.FREE && p >= sinks && p < overlapFrom) {
                        head.evict(slot);
                    }
                }
            }
        }
    }
}
