package io.longstream.state.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds a policy from its spec {@code NAME[:key=value,...]} and a budget; a bad spec fails naming what is wrong. */
public final class CachePolicies {
    private CachePolicies() {
    }

    /**
     * @param layers the model's layer count (lacache's ladder spans it)
     * @param configuredChunk C; the policy derives its c* from it
     */
    public static CachePolicy parse(String spec, int budget, int layers, int configuredChunk) {
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        Map<String, String> params = params(colon < 0 ? "" : trimmed.substring(colon + 1), spec);
        if (params.containsKey("budget")) {
            budget = integer(params.remove("budget"), "budget", spec);
        }
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
            default:
                throw new IllegalArgumentException("unknown cache policy '" + name + "' in '" + spec + "' (known: full, window, sinks, lacache)");
        }
        if (!params.isEmpty()) {
            throw new IllegalArgumentException("policy " + name + " has no parameter " + params.keySet() + " (in '" + spec + "')");
        }
        return policy;
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
