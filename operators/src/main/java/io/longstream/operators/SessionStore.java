package io.longstream.operators;

import io.longstream.inference.Model;
import io.longstream.inference.epicache.EpicacheMemory;
import io.longstream.inference.memory.PolicyMemory;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.operators.episodes.EpisodeStore;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicy;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.OnlineEpisodes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a session's memory lives between steps: its KV pages and epicache's segments and clustering in Flink state
 * (RocksDB), its bookkeeping in {@link SessionMeta}, and a deserialised copy of recently used memories
 * ({@link LiveCaches}). Restores a memory exactly as it was saved, and persists what a step changed.
 */
final class SessionStore {
    private final SessionConfig config;
    private final Model model;
    private final KvPageStore pages;
    private final EpisodeStore episodes;
    private final LiveCaches live;
    private final int layers;
    private final int kvHeads;
    /** How sessions under each policy spec seen so far start and restore. */
    private final Map<PolicySpec, SessionMemories> memoriesBySpec = new HashMap<>();

    SessionStore(SessionConfig config, Model model, KvPageStore pages, EpisodeStore episodes) {
        this.config = config;
        this.model = model;
        this.pages = pages;
        this.episodes = episodes;
        this.live = new LiveCaches(config.liveCacheBytes);
        this.layers = model.config().layers;
        this.kvHeads = model.config().kvHeads;
    }

    /** The session's memory: the live copy if it has seen every change in state, else rebuilt from state. */
    SessionMemory memoryOf(String session, SessionMeta meta) throws Exception {
        SessionMemory held = live.get(session, meta.revision);
        if (held != null) {
            return held;
        }
        PolicySpec spec = meta.policySpec != null ? PolicySpec.parse(meta.policySpec) : config.policy;
        int cacheCount = Math.max(1, meta.headSlots.length / (layers * kvHeads));
        List<KvCache> caches = new ArrayList<>(cacheCount);
        for (int k = 0; k < cacheCount; k++) {
            KvCache cache = model.transformer().newCache(config.cacheDtype);
            if (meta.headSlots.length > 0) {
                pages.restore(k, cache, meta.headSlots);
                cache.restoreNextPosition(meta.nextPosition);
            }
            caches.add(cache);
        }
        SessionMemory restored;
        if (spec.episodic() && meta.layerBudgets.length == 0) {
            restored = newEpisodic(session, meta, spec);
        } else if (spec.episodic()) {
            restored = memories(spec).restoreEpisodic(session, meta.layerBudgets, episodes.load(), List.of(meta.openUtterances), caches);
        } else {
            CachePolicy policy = config.cachePolicy(spec, layers);
            if (meta.policyState.length > 0) {
                policy.restore(meta.policyState);
            }
            restored = new PolicyMemory(model.transformer(), policy, caches.get(0));
        }
        live.put(session, restored, meta.revision);
        return restored;
    }

    /**
     * Records a change of the memory: the pages that changed (and epicache's new segments and clustering) go to
     * {@code effects}, the bookkeeping in {@code meta} is brought up to date; returns the pages written.
     */
    int persist(String session, SessionMeta meta, SessionMemory memory, StepEffects effects) {
        meta.policyState = memory.policyState();
        meta.nextPosition = memory.cache(0).nextPosition();
        int perCache = layers * kvHeads;
        if (meta.headSlots.length < memory.cacheCount() * perCache) {
            meta.headSlots = Arrays.copyOf(meta.headSlots, memory.cacheCount() * perCache);
            meta.headEntries = Arrays.copyOf(meta.headEntries, memory.cacheCount() * perCache);
        }
        int written = 0;
        for (int k = 0; k < memory.cacheCount(); k++) {
            KvCache cache = memory.cache(k);
            written += pages.save(k, cache, meta.headSlots, effects);
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    meta.headEntries[k * perCache + l * kvHeads + h] = cache.head(l, h).size();
                }
            }
        }
        if (memory instanceof EpicacheMemory) {
            EpicacheMemory episodic = (EpicacheMemory) memory;
            if (episodic.segmentCount() != meta.segmentsSaved) {
                OnlineEpisodes.State clustering = episodic.clustering();
                long saved = meta.segmentsSaved;
                effects.write(() -> episodes.save(clustering, saved));
                meta.segmentsSaved = episodic.segmentCount();
            }
        }
        meta.revision++;
        live.put(session, memory, meta.revision);
        return written;
    }

    /** Drops everything the session holds: pages, episodes, its live copy and its bookkeeping. */
    void forget(String session, SessionMeta meta, StepEffects effects) {
        pages.clear(effects);
        effects.write(episodes::clear);
        live.remove(session);
        meta.clear();
    }

    /** Forgets the live copy, which a failed step may have half changed: the next step rebuilds it from state. */
    void drop(String session) {
        live.remove(session);
    }

    /** A fresh epicache memory; its layer budgets come from the model's profile and are kept in the session's state. */
    EpicacheMemory newEpisodic(String session, SessionMeta meta, PolicySpec spec) {
        EpicacheMemory fresh = (EpicacheMemory) memories(spec).create(session);
        meta.layerBudgets = fresh.layerBudgets();
        return fresh;
    }

    /** @throws IllegalArgumentException naming what is wrong with the spec */
    private SessionMemories memories(PolicySpec spec) {
        return memoriesBySpec.computeIfAbsent(spec, s -> new SessionMemories(model, s, config.chunk, config.cacheDtype));
    }
}
