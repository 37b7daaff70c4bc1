package io.longstream.inference.memory;

import io.longstream.inference.Model;
import io.longstream.inference.epicache.EpicacheMemory;
import io.longstream.inference.epicache.SegmentEncoder;
import io.longstream.inference.epicache.SharedProfiles;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import io.longstream.state.policy.epicache.OnlineEpisodes;
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
            CachePolicies.build(spec, model.config().layers, chunk);
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
        return new PolicyMemory(model.transformer(), CachePolicies.build(spec, model.config().layers, chunk),
                model.transformer().newCache(dtype));
    }

    /**
     * An epicache session continued from its state: the layer budgets it started with, its clustering (null if no
     * segment closed yet), its open segment and its caches restored from their pages.
     */
    public EpicacheMemory restoreEpisodic(String sessionId, int[] sessionBudgets, OnlineEpisodes.State clustering,
                                           List<String> openUtterances, List<KvCache> caches) {
        if (episodes == null) {
            throw new IllegalStateException(spec + " is not an epicache spec");
        }
        return EpicacheMemory.restore(model, tokens, SegmentEncoder::embed, episodes, sessionBudgets, QuerySeeds.clusteringSeed(sessionId),
                clustering, openUtterances, caches);
    }
}
