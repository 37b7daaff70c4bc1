package io.longstream.state.policy;

import io.longstream.state.policy.episodes.EpisodeBudget;
import io.longstream.state.policy.episodes.EpisodeSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a policy from its spec {@code NAME[:key=value,...]} and a budget; a bad spec fails naming what is wrong.
 * {@code epicache} keeps one cache per episode and scores with the model, so it is not a {@link CachePolicy}: its
 * spec gives {@link EpisodeSettings} ({@link #episodic}, {@link #episodeSettings}).
 */
public final class CachePolicies {
    private CachePolicies() {
    }

    /**
     * @param layers the model's layer count (lacache's ladder spans it)
     * @param configuredChunk C; the policy derives its c* from it
     */
    public static CachePolicy parse(String spec, int budget, int layers, int configuredChunk) {
        String name = name(spec);
        Map<String, String> params = paramsOf(spec);
        budget = take(params, "budget", budget, spec);
        CachePolicy policy;
        switch (name) {
            case "full":
                policy = new FullPolicy(budget, configuredChunk);
                break;
            case "window":
                policy = RecencyPolicy.window(budget, configuredChunk);
                break;
            case "sinks":
                policy = RecencyPolicy.sinks(budget, take(params, "start", RecencyPolicy.DEFAULT_START, spec), configuredChunk);
                break;
            case "lacache":
                policy = new LadderPolicy(budget, layers, take(params, "span", 0, spec), take(params, "overlap", 0, spec),
                        take(params, "start", RecencyPolicy.DEFAULT_START, spec), configuredChunk);
                break;
            case EPICACHE:
                throw new IllegalArgumentException("epicache keeps a cache per episode; build it from CachePolicies.episodeSettings");
            default:
                throw new IllegalArgumentException("unknown cache policy '" + name + "' in '" + spec + "' (known: full, window, sinks, lacache, epicache)");
        }
        requireConsumed(params, name, spec);
        return policy;
    }

    /** Whether {@code spec} names {@code epicache}. */
    public static boolean episodic(String spec) {
        return name(spec).equals(EPICACHE);
    }

    /**
     * The settings of an {@code epicache} spec, the spec's defaults for what it leaves out.
     *
     * @param budget B per episode (the spec's {@code budget=} wins); epicache needs one
     */
    public static EpisodeSettings episodeSettings(String spec, int budget, int configuredChunk) {
        if (!episodic(spec)) {
            throw new IllegalArgumentException("'" + spec + "' is not an epicache spec");
        }
        Map<String, String> params = paramsOf(spec);
        budget = take(params, "budget", budget, spec);
        if (budget <= 0) {
            throw new IllegalArgumentException("epicache needs a budget B > 0 per episode (--budget or budget=), got " + budget);
        }
        String level = params.remove("level");
        String alpha = params.remove("alpha");
        EpisodeSettings settings;
        try {
            settings = new EpisodeSettings(take(params, "episodes", EpisodeSettings.DEFAULT_EPISODES, spec),
                    take(params, "utterances", EpisodeSettings.DEFAULT_UTTERANCES, spec),
                    take(params, "medoids", EpisodeSettings.DEFAULT_MEDOIDS, spec),
                    EpisodeSettings.level(level == null ? "pair" : level),
                    alpha == null ? EpisodeSettings.DEFAULT_ALPHA : decimal(alpha, "alpha", spec),
                    EpisodeBudget.of(budget, configuredChunk));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (in '" + spec + "')", e);
        }
        requireConsumed(params, EPICACHE, spec);
        return settings;
    }

    private static final String EPICACHE = "epicache";

    private static String name(String spec) {
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        return colon < 0 ? trimmed : trimmed.substring(0, colon);
    }

    private static Map<String, String> paramsOf(String spec) {
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        return params(colon < 0 ? "" : trimmed.substring(colon + 1), spec);
    }

    private static void requireConsumed(Map<String, String> params, String name, String spec) {
        if (!params.isEmpty()) {
            throw new IllegalArgumentException("policy " + name + " has no parameter " + params.keySet() + " (in '" + spec + "')");
        }
    }

    private static double decimal(String value, String key, String spec) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("policy parameter " + key + " in '" + spec + "' must be a number, got '" + value + "'");
        }
    }

    private static int take(Map<String, String> params, String key, int fallback, String spec) {
        String value = params.remove(key);
        return value == null ? fallback : integer(value, key, spec);
    }

    private static int integer(String value, String key, String spec) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("policy parameter " + key + " in '" + spec + "' must be an integer, got '" + value + "'");
        }
    }

    private static Map<String, String> params(String text, String spec) {
        Map<String, String> params = new LinkedHashMap<>();
        if (text.isBlank()) {
            return params;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("policy parameter '" + pair + "' in '" + spec + "' is not key=value");
            }
            params.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return params;
    }
}
