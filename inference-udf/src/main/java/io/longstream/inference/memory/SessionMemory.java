package io.longstream.inference.memory;

import io.longstream.state.cache.KvCache;
import java.util.Map;

/**
 * What a session holds under its policy between steps: its KV caches, how a prefill chunk changes them, and which
 * cache answers a query. One cache under a {@code CachePolicy} ({@link PolicyMemory}), or one per episode under
 * {@code epicache} ({@link EpicacheMemory}).
 */
public interface SessionMemory {
    /** The policy and its parameters, canonical, as the session persists them. */
    String spec();

    /** c*: the tokens of one prefill chunk. */
    int chunk();

    /** Why {@code incoming} more stream tokens cannot be taken in, or null when they can. */
    String ingestRefusal(int incoming);

    /** Why a query of {@code promptTokens} that may generate {@code maxNew} cannot be answered, or null when it can. */
    String queryRefusal(int promptTokens, int maxNew);

    /** The most prompt tokens a query's prefill attends at once. */
    int queryChunk();

    /** Takes an ingested conversation turn into the memory's view of the conversation; returns whether that changed the memory. */
    boolean observeTurn(String role, String text);

    /** Takes an ingested document's token ids (no template tokens) into the memory's view of the conversation; returns whether that changed the memory. */
    boolean observeDocument(int[] ids);

    /**
     * What one prefill chunk did: the entries evicted, and when asked for, the logits of every chunk token
     * ([tokens][vocab] row-major) from the cache that predicts the stream (epicache: the episode of the newest segment).
     */
    record Prefill(long evicted, float[] logits) {
    }

    /** Attends one chunk of at most {@link #chunk()} tokens into the memory and compacts it: {@link #startPrefill} run alone. */
    Prefill prefill(int[] tokens, boolean logits);

    /**
     * The same prefill as work in rounds of forward passes, so several sessions' chunks (and answers) share each pass,
     * with the same bits and the same resulting caches as {@link #prefill}; the memory is not to be used otherwise until
     * the work is done.
     */
    MemoryChunk startPrefill(int[] tokens, boolean logits);

    /** The index of the cache that answers {@code queryText}. */
    int route(String queryText);

    /** The caches the memory holds, 1 or more. */
    int cacheCount();

    KvCache cache(int index);

    /** What the policy remembers between chunks beyond the caches, persisted with the session. */
    long[] policyState();

    /**
     * Writes what changed since the last snapshot (or since the restore): the caches' dirty pages, the header, and
     * whatever else the memory keeps (epicache: the segments closed since, and the clustering).
     */
    void snapshot(MemoryWriter writer);

    /** What the memory update's detail field says of this memory (epicache: its episodes, segments, layer budgets). */
    default Map<String, String> details() {
        return Map.of();
    }

    default long bytes() {
        long total = 0;
        for (int k = 0; k < cacheCount(); k++) {
            total += cache(k).bytes();
        }
        return total;
    }
}
