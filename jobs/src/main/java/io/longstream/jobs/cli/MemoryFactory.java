package io.longstream.jobs.cli;

import io.longstream.inference.Model;
import io.longstream.inference.memory.EpisodicSession;
import io.longstream.inference.memory.PolicyMemory;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.profile.LayerProfiles;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.operators.QuerySeeds;
import io.longstream.operators.episodes.SegmentEncoder;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.episodes.EpisodeSettings;

/**
 * Fresh session memories of one policy spec for the evaluation commands, as the session operator builds them
 * (epicache: the segment encoder, and layer budgets from the model's profile); the spec is checked at once.
 */
final class MemoryFactory {
    private final Model model;
    private final String spec;
    private final int budget;
    private final int chunk;
    private final CacheDtype dtype;
    /** epicache's settings and layer budgets; null for the one-cache policies. */
    private final EpisodeSettings episodes;
    private final int[] layerBudgets;

    MemoryFactory(Model model, String spec, int budget, int chunk, CacheDtype dtype) {
        this.model = model;
        this.spec = spec;
        this.budget = budget;
        this.chunk = chunk;
        this.dtype = dtype;
        int layers = model.config().layers;
        if (CachePolicies.episodic(spec)) {
            episodes = CachePolicies.episodeSettings(spec, budget, chunk);
            layerBudgets = EpisodicSession.layerBudgets(episodes, episodes.alpha() == 0 ? null : new LayerProfiles().profile(model), layers);
        } else {
            episodes = null;
            layerBudgets = null;
            CachePolicies.parse(spec, budget, layers, chunk);
        }
    }

    /** A fresh memory; {@code name} seeds epicache's clustering as a session id does. */
    SessionMemory create(String name) {
        if (episodes != null) {
            TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
            return new EpisodicSession(model, tokens, SegmentEncoder::embed, episodes, layerBudgets, dtype, QuerySeeds.clusteringSeed(name));
        }
        return new PolicyMemory(model.transformer(), CachePolicies.parse(spec, budget, model.config().layers, chunk),
                model.transformer().newCache(dtype));
    }
}
