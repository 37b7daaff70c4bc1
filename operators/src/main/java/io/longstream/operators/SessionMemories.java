package io.longstream.operators;

import io.longstream.inference.Model;
import io.longstream.inference.memory.EpisodicSession;
import io.longstream.inference.memory.PolicyMemory;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.operators.episodes.SegmentEncoder;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.episodes.EpisodeSettings;

/**
 * Fresh session memories of one policy spec, as the session operator starts them (epicache: the segment encoder,
 * layer budgets from the model's profile, the clustering seeded by the session id), for the evaluation commands
 * and direct computations; the spec is checked at once.
 */
public final class SessionMemories {
    private final Model model;
    private final String spec;
    private final int budget;
    private final int chunk;
    private final CacheDtype dtype;
    /** epicache's settings and layer budgets; null for the one-cache policies. */
    private final EpisodeSettings episodes;
    private final int[] layerBudgets;

    public SessionMemories(Model model, String spec, int budget, int chunk, CacheDtype dtype) {
        this.model = model;
        this.spec = spec;
        this.budget = budget;
        this.chunk = chunk;
        this.dtype = dtype;
        int layers = model.config().layers;
        if (CachePolicies.episodic(spec)) {
            episodes = CachePolicies.episodeSettings(spec, budget, chunk);
            layerBudgets = EpisodicSession.layerBudgets(episodes, episodes.alpha() == 0 ? null : SharedProfiles.of(model), layers);
        } else {
            episodes = null;
            layerBudgets = null;
            CachePolicies.parse(spec, budget, layers, chunk);
        }
    }

    /** A fresh memory for session {@code sessionId} (epicache seeds its clustering with it). */
    public SessionMemory create(String sessionId) {
        if (episodes != null) {
            TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
            return new EpisodicSession(model, tokens, SegmentEncoder::embed, episodes, layerBudgets, dtype, QuerySeeds.clusteringSeed(sessionId));
        }
        return new PolicyMemory(model.transformer(), CachePolicies.parse(spec, budget, model.config().layers, chunk),
                model.transformer().newCache(dtype));
    }
}
