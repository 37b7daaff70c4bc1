package io.longstream.inference.memory;

import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.OnlineEpisodes;

/**
 * Where a memory writes its durable parts ({@link SessionMemory#snapshot}): only what changed since the last
 * snapshot reaches storage (a cache's dirty pages, the segments closed since), the header whole.
 */
public interface MemoryWriter {
    /** Cache {@code index}'s pages changed since its last snapshot, and the removal of pages past a head that shrank. */
    void cache(int index, KvCache cache);

    void header(MemoryHeader header);

    /**
     * epicache: the segments numbered from {@code savedSegments} on (by their number), the clustering beside them,
     * and the removal of segments that left the clustering's window.
     */
    void episodes(OnlineEpisodes.State clustering, long savedSegments);
}
