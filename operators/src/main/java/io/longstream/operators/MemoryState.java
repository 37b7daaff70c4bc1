package io.longstream.operators;

import io.longstream.inference.memory.MemoryHeader;
import io.longstream.inference.memory.MemoryReader;
import io.longstream.inference.memory.MemoryWriter;
import io.longstream.operators.episodes.EpisodeStore;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.OnlineEpisodes;
import java.util.Arrays;
import java.util.List;

/**
 * A session's memory in Flink state, whatever its kind: pages in "kv-pages" ({@link KvPageStore}), epicache's
 * segments and clustering in "episode-segments" and "episode-clustering" ({@link EpisodeStore}), and the header
 * and where each cache stands in the session's {@link SessionMeta}, in the fields savepoints already hold.
 */
final class MemoryState {
    private final KvPageStore pages;
    private final EpisodeStore episodes;
    private final int perCache;

    MemoryState(KvPageStore pages, EpisodeStore episodes, int layers, int kvHeads) {
        this.pages = pages;
        this.episodes = episodes;
        this.perCache = layers * kvHeads;
    }

    /** A writer for one step: bookkeeping goes to {@code meta} (the step's working copy), state writes to its effects. */
    Writer writer(SessionMeta meta, StepEffects effects) {
        return new Writer(meta, effects);
    }

    MemoryReader reader(SessionMeta meta) {
        return new Reader(meta);
    }

    /** Drops every page, segment and the clustering; the bookkeeping in the session's meta is the caller's. */
    void clear(StepEffects effects) {
        pages.clear(effects);
        effects.write(episodes::clear);
    }

    /** Buffers the snapshot's state writes into the step's effects, applied only if the step succeeds. */
    final class Writer implements MemoryWriter {
        private final SessionMeta meta;
        private final StepEffects effects;
        private int pagesWritten;

        private Writer(SessionMeta meta, StepEffects effects) {
            this.meta = meta;
            this.effects = effects;
        }

        @Override
        public void cache(int index, KvCache cache) {
            int needed = (index + 1) * perCache;
            if (meta.headSlots.length < needed) {
                meta.headSlots = Arrays.copyOf(meta.headSlots, needed);
                meta.headEntries = Arrays.copyOf(meta.headEntries, needed);
            }
            pagesWritten += pages.save(index, cache, meta.headSlots, effects);
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    meta.headEntries[index * perCache + l * cache.kvHeads() + h] = cache.head(l, h).size();
                }
            }
            if (index == 0) {
                meta.nextPosition = cache.nextPosition();
            }
        }

        @Override
        public void header(MemoryHeader header) {
            meta.policyState = header.policyState();
            meta.layerBudgets = header.layerBudgets();
            meta.openUtterances = header.openUtterances().toArray(String[]::new);
        }

        @Override
        public void episodes(OnlineEpisodes.State clustering, long savedSegments) {
            effects.write(() -> episodes.save(clustering, savedSegments));
        }

        /** The pages this writer wrote. */
        int pagesWritten() {
            return pagesWritten;
        }
    }

    private final class Reader implements MemoryReader {
        private final SessionMeta meta;

        private Reader(SessionMeta meta) {
            this.meta = meta;
        }

        /** Null before the first snapshot, which always writes cache 0 (so its slots). */
        @Override
        public MemoryHeader header() {
            if (meta.headSlots.length == 0) {
                return null;
            }
            return new MemoryHeader(meta.policyState, meta.layerBudgets, List.of(meta.openUtterances));
        }

        @Override
        public int cacheCount() {
            return Math.max(1, meta.headSlots.length / perCache);
        }

        @Override
        public void cache(int index, KvCache into) throws Exception {
            pages.restore(index, into, meta.headSlots);
            into.restoreNextPosition(meta.nextPosition);
        }

        @Override
        public OnlineEpisodes.State episodes() throws Exception {
            return episodes.load();
        }
    }
}
