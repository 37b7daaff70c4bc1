package io.longstream.inference.eval;

import io.longstream.inference.Transformer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicy;
import java.util.Arrays;

/** Which original positions each layer's cache holds after a stream was prefilled under a policy. */
public final class CacheOccupancy {
    private CacheOccupancy() {
    }

    /** Positions kept per layer (KV head 0; every policy here keeps one set per layer), sorted. */
    public static int[][] after(Transformer transformer, CacheDtype dtype, CachePolicy policy, int[] tokens) {
        KvCache cache = transformer.newCache(dtype);
        cache.setRopeMode(policy.ropeMode());
        for (int i = 0; i < tokens.length; i += policy.chunk()) {
            transformer.forward(Arrays.copyOfRange(tokens, i, Math.min(i + policy.chunk(), tokens.length)), cache, false);
            policy.compact(cache);
        }
        int[][] kept = new int[cache.layers()][];
        for (int l = 0; l < cache.layers(); l++) {
            HeadCache head = cache.head(l, 0);
            int[] slots = head.slotsByPosition();
            kept[l] = new int[slots.length];
            for (int i = 0; i < slots.length; i++) {
                kept[l][i] = head.position(slots[i]);
            }
        }
        return kept;
    }

    /** Positions as compact ranges: 0-3,120-127,130. */
    public static String ranges(int[] sorted) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sorted.length; ) {
            int j = i;
            while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1) {
                j++;
            }
            sb.append(sb.length() == 0 ? "" : ",").append(sorted[i]);
            if (j > i) {
                sb.append('-').append(sorted[j]);
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
