package io.longstream.state.policy.epicache;

/**
 * The parameters of {@code epicache} (kv-policies §6) with the spec's defaults, checked when built: episodes E,
 * utterances per segment w, medoid segments m, eviction level, allocation power α, and the per-episode budget.
 */
public record EpisodeSettings(int episodes, int utterances, int medoids, EpisodeEviction.Level level, double alpha,
                              EpisodeBudget budget) {
    public static final int DEFAULT_EPISODES = 4;
    public static final int DEFAULT_UTTERANCES = 4;
    public static final int DEFAULT_MEDOIDS = 8;
    public static final double DEFAULT_ALPHA = 1.1;

    /** @throws IllegalArgumentException naming the parameter that is out of range */
    public EpisodeSettings {
        if (episodes < 1 || episodes > OnlineEpisodes.WINDOW) {
            throw new IllegalArgumentException("epicache episodes must be in 1.." + OnlineEpisodes.WINDOW + ", got " + episodes);
        }
        if (utterances < 1) {
            throw new IllegalArgumentException("epicache utterances (per segment) must be >= 1, got " + utterances);
        }
        if (medoids < 0) {
            throw new IllegalArgumentException("epicache medoids must be >= 0, got " + medoids);
        }
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("epicache alpha must be finite and >= 0, got " + alpha);
        }
    }

    /** The level as a spec writes it: {@code pair} or {@code pair-uniform}. */
    public static EpisodeEviction.Level level(String name) {
        switch (name) {
            case "pair":
                return EpisodeEviction.Level.PAIR;
            case "pair-uniform":
                return EpisodeEviction.Level.PAIR_UNIFORM;
            default:
                throw new IllegalArgumentException("epicache level must be pair or pair-uniform, got '" + name + "'");
        }
    }

    /** The canonical spec, every parameter written out, so a session restores with exactly these. */
    public String spec() {
        return "epicache:episodes=" + episodes + ",utterances=" + utterances + ",medoids=" + medoids + ",level="
                + (level == EpisodeEviction.Level.PAIR ? "pair" : "pair-uniform") + ",alpha=" + alpha
                + ",budget=" + budget.budget();
    }
}
