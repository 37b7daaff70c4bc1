package io.longstream.state.policy;

import io.longstream.state.policy.epicache.EpisodeBudget;
import io.longstream.state.policy.epicache.EpisodeSettings;

/**
 * Builds a policy from its {@link PolicySpec}; the budget is the spec's ({@code budget=}, which the edge that parsed the
 * spec fills in from {@code --budget} where the spec leaves it out). {@code epicache} keeps one cache per episode and
 * scores with the model, so it is not a {@link CachePolicy}: its spec gives {@link EpisodeSettings}.
 */
public final class CachePolicies {
    private CachePolicies() {
    }

    /**
     * @param layers the model's layer count (lacache's ladder spans it)
     * @param configuredChunk C; the policy derives its c* from it
     * @throws IllegalArgumentException naming the policy and what does not fit (a budget too small for the chunk, say)
     */
    public static CachePolicy build(PolicySpec spec, int layers, int configuredChunk) {
        int budget = spec.budget();
        switch (spec.name()) {
            case "full":
                return new FullPolicy(budget, configuredChunk);
            case "window":
                return RecencyPolicy.window(budget, configuredChunk);
            case "sinks":
                return RecencyPolicy.sinks(budget, spec.integer("start", RecencyPolicy.DEFAULT_START), configuredChunk);
            case "lacache":
                return new LadderPolicy(budget, layers, spec.integer("span", 0), spec.integer("overlap", 0),
                        spec.integer("start", RecencyPolicy.DEFAULT_START), configuredChunk);
            default:
                throw new IllegalArgumentException("epicache keeps a cache per episode; build it from CachePolicies.episodeSettings");
        }
    }

    /**
     * The settings of an {@code epicache} spec, the spec's defaults for what it leaves out; B is per episode and
     * epicache needs one.
     */
    public static EpisodeSettings episodeSettings(PolicySpec spec, int configuredChunk) {
        if (!spec.episodic()) {
            throw new IllegalArgumentException("'" + spec + "' is not an epicache spec");
        }
        int budget = spec.budget();
        if (budget <= 0) {
            throw new IllegalArgumentException("epicache needs a budget B > 0 per episode (--budget or budget=), got " + budget);
        }
        String level = spec.param("level");
        try {
            return new EpisodeSettings(spec.integer("episodes", EpisodeSettings.DEFAULT_EPISODES),
                    spec.integer("utterances", EpisodeSettings.DEFAULT_UTTERANCES),
                    spec.integer("medoids", EpisodeSettings.DEFAULT_MEDOIDS),
                    EpisodeSettings.level(level == null ? "pair" : level),
                    spec.decimal("alpha", EpisodeSettings.DEFAULT_ALPHA),
                    EpisodeBudget.of(budget, configuredChunk, spec.integer("prompt", 0)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (in '" + spec + "')", e);
        }
    }

    /** Checks {@code spec} against a model of {@code layers} and the chunk, as the session operator will build it. */
    public static void check(PolicySpec spec, int layers, int configuredChunk) {
        if (spec.episodic()) {
            episodeSettings(spec, configuredChunk);
        } else {
            build(spec, layers, configuredChunk);
        }
    }
}
