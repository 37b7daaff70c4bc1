package io.longstream.inference.memory;

import io.longstream.inference.Model;
import io.longstream.inference.epicache.EpicacheMemory;
import io.longstream.inference.epicache.SegmentEncoder;
import io.longstream.inference.epicache.SharedProfiles;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.CachePolicy;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Session memories of one policy spec, started and restored as the session operator does (epicache: the segment
 * encoder, layer budgets from the model's profile, the clustering seeded by the session id), for the operator, the
 * evaluation commands and direct computations alike; the spec is checked at once.
 */
public final class SessionMemories {
    private final Model model;
    private final PolicySpec spec;
    private final int chunk;
    private final CacheDtype dtype;
    /** epicache's settings and the model's token stream; null for the one-cache policies. */
    private final EpisodeSettings episodes;
    private final TokenStream tokens;
    /** epicache's layer budgets for new sessions, from the profile the first one needs. */
    private int[] layerBudgets;

    /** @param spec the policy, its budget included (kv-policies.md) */
    public SessionMemories(Model model, PolicySpec spec, int chunk, CacheDtype dtype) {
        this.model = model;
        this.spec = spec;
        this.chunk = chunk;
        this.dtype = dtype;
        if (spec.episodic()) {
            episodes = CachePolicies.episodeSettings(spec, chunk);
            tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        } else {
            episodes = null;
            tokens = null;
            newPolicy();
        }
    }

    /** A fresh memory for session {@code sessionId} (epicache seeds its clustering with it). */
    public SessionMemory create(String sessionId) {
        if (episodes != null) {
            if (layerBudgets == null) {
                double[] profile = episodes.alpha() == 0 ? null : SharedProfiles.of(model);
                layerBudgets = EpicacheMemory.layerBudgets(episodes, profile, model.config().layers);
            }
            return new EpicacheMemory(model, tokens, SegmentEncoder::embed, episodes, layerBudgets, dtype, QuerySeeds.clusteringSeed(sessionId));
        }
        return new PolicyMemory(model.transformer(), newPolicy(), model.transformer().newCache(dtype));
    }

    /**
     * The session's memory as its last snapshot left it in {@code stored}, or a fresh one when nothing was saved:
     * caches restored from their pages, then the policy's state (epicache: the layer budgets it started with, its
     * clustering and open segment).
     */
    public SessionMemory restore(String sessionId, MemoryReader stored) throws Exception {
        MemoryHeader header = stored.header();
        if (header == null || (episodes != null && header.layerBudgets().length == 0)) {
            return create(sessionId);
        }
        List<KvCache> caches = new ArrayList<>(stored.cacheCount());
        for (int k = 0; k < stored.cacheCount(); k++) {
            KvCache cache = model.transformer().newCache(dtype);
            stored.cache(k, cache);
            caches.add(cache);
        }
        if (episodes != null) {
            return EpicacheMemory.restore(model, tokens, SegmentEncoder::embed, episodes, header.layerBudgets(),
                    QuerySeeds.clusteringSeed(sessionId), stored.episodes(), header.openUtterances(), caches);
        }
        CachePolicy policy = newPolicy();
        if (header.policyState().length > 0) {
            policy.restore(header.policyState());
        }
        return new PolicyMemory(model.transformer(), policy, caches.get(0));
    }

    /** What a switch (SET_POLICY) leaves: the memory under this spec, and the entries its compaction evicted. */
    public record Switch(SessionMemory memory, long evicted) {
    }

    /**
     * The session's memory under this spec from now on (SET_POLICY): a one-cache policy takes over the current cache
     * and compacts it at once, so its bound holds. epicache keeps other caches than the one-cache policies, so a
     * switch to or from it is taken only before the session's first event, and starts a fresh memory.
     *
     * @param started whether the session has taken an event in
     * @throws IllegalArgumentException saying why the switch is refused
     */
    public Switch switchFrom(String sessionId, SessionMemory current, boolean started) {
        if (started && (episodes != null || current instanceof EpicacheMemory)) {
            throw new IllegalArgumentException("a switch to or from epicache is taken only before the session's first event "
                    + "(RESET the session first)");
        }
        if (episodes != null) {
            return new Switch(create(sessionId), 0);
        }
        CachePolicy policy = newPolicy();
        PolicyMemory next = current instanceof PolicyMemory
                ? ((PolicyMemory) current).withPolicy(policy)
                : new PolicyMemory(model.transformer(), policy, model.transformer().newCache(dtype));
        return new Switch(next, next.compact());
    }

    /** How the memories rotate their keys: by original position (full, epicache) or by rank. */
    public RopeMode ropeMode() {
        return episodes != null ? RopeMode.ORIGINAL : newPolicy().ropeMode();
    }

    /** A fresh instance of this one-cache policy, for the model's layers and the chunk; checks the spec fits them. */
    private CachePolicy newPolicy() {
        return CachePolicies.build(spec, model.config().layers, chunk);
    }
}
