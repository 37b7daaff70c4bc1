package io.longstream.state.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds a policy from its spec {@code NAME[:key=value,...]} and a budget; a bad spec fails naming what is wrong. */
public final class CachePolicies {
    private CachePolicies() {
    }

    public static CachePolicy parse(String spec, int budget) {
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        Map<String, String> params = params(colon < 0 ? "" : trimmed.substring(colon + 1), spec);
        switch (name) {
            case "full":
                if (!params.isEmpty()) {
                    throw new IllegalArgumentException("policy full takes no parameters, got " + params.keySet());
                }
                return new FullPolicy(budget);
            default:
                throw new IllegalArgumentException("unknown cache policy '" + name + "' in '" + spec + "' (known: full)");
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
