package io.longstream.operators;

import io.longstream.inference.memory.SessionMemory;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A session's memory as the memory topic describes it after a change. */
final class MemoryUpdates {
    private final int layers;
    private final int kvHeads;
    private final long bytesPerEntry;

    MemoryUpdates(int layers, int kvHeads, int headDim, CacheDtype dtype) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.bytesPerEntry = HeadCache.entryBytes(headDim, dtype);
    }

    /** @param memory the session's memory, for its details; null when it has none (an expired session) */
    MemoryUpdate of(String session, String eventId, SessionMeta meta, SessionMemory memory, int pagesWritten, String status) {
        long entries = 0;
        for (int n : meta.headEntries) {
            entries += n;
        }
        List<Integer> perLayer = entriesPerLayer(meta.headEntries, layers, kvHeads);
        Map<String, String> detail = memory == null ? Map.of() : memory.details();
        return MemoryUpdate.newBuilder()
                .setSessionId(session)
                .setEventId(eventId == null ? "" : eventId)
                .setTokensIngested(meta.tokensIngested)
                .setTokensPending(meta.pending.length)
                .setCacheEntriesPerLayer(perLayer)
                .setCacheBytes(entries * bytesPerEntry)
                .setPagesWritten(pagesWritten)
                .setEvictions(meta.evictions)
                .setStatus(status)
                .setDetail(detail)
                .build();
    }

    /**
     * Entries per layer: the most any cache holds, averaged over the layer's KV heads and rounded up (epicache's
     * pair level shares a layer's budget among its heads; the other policies keep every head alike).
     *
     * @param headEntries entries per (cache, layer, KV head), as {@link SessionMeta#headEntries}
     */
    static List<Integer> entriesPerLayer(int[] headEntries, int layers, int kvHeads) {
        int perCache = layers * kvHeads;
        int caches = headEntries.length / perCache;
        List<Integer> perLayer = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            int max = 0;
            for (int k = 0; k < caches; k++) {
                int sum = 0;
                for (int h = 0; h < kvHeads; h++) {
                    sum += headEntries[k * perCache + l * kvHeads + h];
                }
                max = Math.max(max, (sum + kvHeads - 1) / kvHeads);
            }
            perLayer.add(max);
        }
        return perLayer;
    }
}
