package io.longstream.state.policy;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cache policy as a user names it, {@code NAME[:key=value,...]}, parsed once where it enters (an option, a
 * SET_POLICY event) and carried typed from there: the name is known and every parameter is one the policy has, of
 * its type. What needs the model (the layer count) and the chunk is checked when {@link CachePolicies} builds it.
 */
public final class PolicySpec implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String EPICACHE = "epicache";
    public static final String BUDGET = "budget";

    private enum Kind { INTEGER, DECIMAL, WORD }

    /** Each policy's parameters and their types, in the order a canonical spec writes them (budget last). */
    private static final Map<String, Map<String, Kind>> PARAMETERS = Map.of(
            "full", params("budget", Kind.INTEGER),
            "window", params("budget", Kind.INTEGER),
            "sinks", params("start", Kind.INTEGER, "budget", Kind.INTEGER),
            "lacache", params("span", Kind.INTEGER, "overlap", Kind.INTEGER, "start", Kind.INTEGER, "budget", Kind.INTEGER),
            EPICACHE, params("episodes", Kind.INTEGER, "utterances", Kind.INTEGER, "medoids", Kind.INTEGER, "level", Kind.WORD,
                    "alpha", Kind.DECIMAL, "prompt", Kind.INTEGER, "budget", Kind.INTEGER));

    private final String name;
    private final Map<String, String> params;

    private PolicySpec(String name, Map<String, String> params) {
        this.name = name;
        this.params = Collections.unmodifiableMap(params);
    }

    /** @throws IllegalArgumentException naming what is wrong: an unknown policy or parameter, a value of the wrong type */
    public static PolicySpec parse(String text) {
        String trimmed = text.trim();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon).trim();
        Map<String, Kind> known = PARAMETERS.get(name);
        if (known == null) {
            throw new IllegalArgumentException("unknown cache policy '" + name + "' in '" + text + "' (known: full, window, sinks, lacache, epicache)");
        }
        Map<String, String> given = new LinkedHashMap<>();
        String rest = colon < 0 ? "" : trimmed.substring(colon + 1);
        if (!rest.isBlank()) {
            for (String pair : rest.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new IllegalArgumentException("policy parameter '" + pair + "' in '" + text + "' is not key=value");
                }
                String key = pair.substring(0, eq).trim();
                Kind kind = known.get(key);
                if (kind == null) {
                    throw new IllegalArgumentException("policy " + name + " has no parameter " + key + " (in '" + text + "'; it has "
                            + known.keySet() + ")");
                }
                if (given.put(key, canonical(kind, key, pair.substring(eq + 1).trim(), text)) != null) {
                    throw new IllegalArgumentException("policy parameter " + key + " is given twice in '" + text + "'");
                }
            }
        }
        // the policy's own order, so that one policy has one spelling (a map key, a persisted spec)
        Map<String, String> params = new LinkedHashMap<>();
        for (String key : known.keySet()) {
            if (given.containsKey(key)) {
                params.put(key, given.get(key));
            }
        }
        return new PolicySpec(name, params);
    }

    public String name() {
        return name;
    }

    /** Whether this names {@code epicache}, which keeps a cache per episode rather than one under a {@link CachePolicy}. */
    public boolean episodic() {
        return name.equals(EPICACHE);
    }

    /** The spec's own value of {@code key}, or null when it leaves it to the default. */
    public String param(String key) {
        return params.get(key);
    }

    /** An integer parameter, or {@code fallback} when the spec leaves it out. */
    public int integer(String key, int fallback) {
        String value = params.get(key);
        return value == null ? fallback : Integer.parseInt(value);
    }

    /** A decimal parameter, or {@code fallback} when the spec leaves it out. */
    public double decimal(String key, double fallback) {
        String value = params.get(key);
        return value == null ? fallback : Double.parseDouble(value);
    }

    /** The budget B the spec sets, 0 when it sets none. */
    public int budget() {
        return integer(BUDGET, 0);
    }

    /**
     * This spec with {@code budget} where it sets none itself: {@code --budget} under {@code --policy}, the job's
     * budget under a session's SET_POLICY. Every policy takes a budget, last in its canonical order.
     */
    public PolicySpec withDefaultBudget(int budget) {
        if (params.containsKey(BUDGET) || budget == 0) {
            return this;
        }
        Map<String, String> withBudget = new LinkedHashMap<>(params);
        withBudget.put(BUDGET, Integer.toString(budget));
        return new PolicySpec(name, withBudget);
    }

    /** This spec with budget {@code budget} in place of its own (none: 0). */
    public PolicySpec withBudget(int budget) {
        Map<String, String> withBudget = new LinkedHashMap<>(params);
        withBudget.remove(BUDGET);
        if (budget != 0) {
            withBudget.put(BUDGET, Integer.toString(budget));
        }
        return new PolicySpec(name, withBudget);
    }

    @Override
    public String toString() {
        if (params.isEmpty()) {
            return name;
        }
        StringBuilder s = new StringBuilder(name).append(':');
        params.forEach((k, v) -> s.append(k).append('=').append(v).append(','));
        return s.substring(0, s.length() - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicySpec && ((PolicySpec) o).name.equals(name) && ((PolicySpec) o).params.equals(params);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + params.hashCode();
    }

    /** The value in one spelling ({@code 064} is {@code 64}); a value not of the parameter's type fails naming it. */
    private static String canonical(Kind kind, String key, String value, String text) {
        try {
            if (kind == Kind.INTEGER) {
                return Integer.toString(Integer.parseInt(value));
            }
            if (kind == Kind.DECIMAL) {
                return Double.toString(Double.parseDouble(value));
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("policy parameter " + key + " in '" + text + "' must be "
                    + (kind == Kind.INTEGER ? "an integer" : "a number") + ", got '" + value + "'");
        }
    }

    private static Map<String, Kind> params(Object... keysAndKinds) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndKinds.length; i += 2) {
            m.put((String) keysAndKinds[i], (Kind) keysAndKinds[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
