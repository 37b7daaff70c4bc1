package io.longstream.inference.memory;

import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.OnlineEpisodes;

/** A memory's durable parts as its last snapshot left them, for {@link SessionMemories#restore}. */
public interface MemoryReader {
    /** The header, or null when nothing was ever snapshot (the session starts afresh). */
    MemoryHeader header() throws Exception;

    /** The caches saved, 1 or more once a header exists. */
    int cacheCount();

    /** Fills {@code into} (a fresh cache) with cache {@code index}'s entries exactly as saved. */
    void cache(int index, KvCache into) throws Exception;

    /** epicache: the clustering with its segments, or null if no segment closed yet. */
    OnlineEpisodes.State episodes() throws Exception;
}
