package io.longstream.state.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/** What the policy tests write into caches and read back out of them. */
final class CacheContents {
    private CacheContents() {
    }

    /** Appends one entry at {@code position} to every (layer, KV head), key and value alike, drawn from {@code random}. */
    static void appendEverywhere(KvCache cache, int position, SplittableRandom random) {
        float[] kv = new float[cache.headDim()];
        for (int d = 0; d < kv.length; d++) {
            kv[d] = (float) random.nextGaussian();
        }
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                cache.head(l, h).append(position, kv, 0, kv, 0);
            }
        }
    }

    /** The original positions one head holds, each asserted to be there once. */
    static Set<Integer> positionsOf(KvCache cache, int layer, int head) {
        HeadCache hc = cache.head(layer, head);
        Set<Integer> out = new HashSet<>();
        for (int slot = 0; slot < hc.slots(); slot++) {
            int p = hc.position(slot);
            if (p != HeadCache.FREE) {
                assertTrue(out.add(p), "position " + p + " twice in one head");
            }
        }
        return out;
    }
}
