package io.longstream.inference.eval;

import io.longstream.inference.memory.SessionMemory;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.TreeSet;

/** Which original positions each layer of each cache holds after a document was ingested into a session memory. */
public final class CacheOccupancy {
    private CacheOccupancy() {
    }

    /**
     * Shows {@code body} to the memory as a document, prefills {@code opening} + {@code body} in its chunks, and returns
     * the positions kept, sorted: [cache][layer][], the union over the layer's KV heads (epicache's pair level lets
     * heads differ; the other policies keep one set per layer).
     */
    public static int[][][] after(SessionMemory memory, int[] opening, int[] body) {
        memory.observeDocument(body);
        int[] tokens = Arrays.copyOf(opening, opening.length + body.length);
        System.arraycopy(body, 0, tokens, opening.length, body.length);
        for (int i = 0; i < tokens.length; i += memory.chunk()) {
            memory.prefill(Arrays.copyOfRange(tokens, i, Math.min(i + memory.chunk(), tokens.length)), false);
        }
        int[][][] kept = new int[memory.cacheCount()][][];
        for (int k = 0; k < kept.length; k++) {
            KvCache cache = memory.cache(k);
            kept[k] = new int[cache.layers()][];
            for (int l = 0; l < cache.layers(); l++) {
                TreeSet<Integer> positions = new TreeSet<>();
                for (int h = 0; h < cache.kvHeads(); h++) {
                    HeadCache head = cache.head(l, h);
                    for (int slot : head.slotsByPosition()) {
                        positions.add(head.position(slot));
                    }
                }
                kept[k][l] = positions.stream().mapToInt(Integer::intValue).toArray();
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
