package io.longstream.state.policy;

import io.longstream.state.policy.epicache.EpisodeBudget;

/**
 * Equal budgets (kv-policies §1, "Kept entries"). A budget B bounds the peak, which counts the chunk being attended
 * and, for epicache, the patched prompt, so at one B the policies keep different numbers of entries. What they are
 * compared at is the kept entries K, what a query attends besides itself, per (layer, KV head): T = B − c* for the
 * one-cache policies (full with a budget included), M = B − c* − Pcap per episode for epicache (the average over
 * layers). The budget for K under a chunk C is the smallest B at which the policy keeps K with c* = C, so every
 * policy also attends the stream in chunks of the same size.
 */
public final class KeptEntries {
    /** How far past K + C a budget is looked for: epicache's Pcap is at most 512, or a quarter of B. */
    private static final int PROMPT_ROOM = 512;

    private KeptEntries() {
    }

    /** A spec's budget B, its effective chunk c* and the entries K it keeps; K = 0 for full without a budget (unbounded) or below C. */
    public record Sizing(int budget, int chunk, int kept) {
    }

    /**
     * The sizing of {@code spec} with its own budget, for a model of {@code layers} and configured chunk C.
     *
     * @throws IllegalArgumentException when the policy refuses the spec (as {@link CachePolicies#check} does)
     */
    public static Sizing of(PolicySpec spec, int layers, int configuredChunk) {
        int budget = spec.budget();
        if (spec.episodic()) {
            EpisodeBudget episode = CachePolicies.episodeSettings(spec, configuredChunk).budget();
            return new Sizing(budget, episode.chunk(), episode.retained());
        }
        CachePolicy policy = CachePolicies.build(spec, layers, configuredChunk);
        // full's c* is C whatever B: a budget below it keeps nothing between chunks
        return new Sizing(budget, policy.chunk(), budget == 0 ? 0 : Math.max(0, budget - policy.chunk()));
    }

    /**
     * {@code spec} with the smallest budget B at which it keeps {@code kept} entries and attends in chunks of exactly
     * {@code chunk} (c* = C).
     *
     * @throws IllegalArgumentException when no budget does (K too small for that chunk, or a budget the policy refuses
     *                                  for the model), naming the policy, K and C
     */
    public static PolicySpec budgetFor(PolicySpec spec, int layers, int chunk, int kept) {
        if (kept < 1 || chunk < 1) {
            throw new IllegalArgumentException("kept entries and the chunk must be >= 1, got K = " + kept + ", C = " + chunk);
        }
        // c* = C means B >= K + C; epicache adds its prompt= or Pcap = min(512, floor(B/4)) <= max(512, (K + C)/2) on top
        long last = (long) kept + chunk + Math.max(Math.max(PROMPT_ROOM, spec.integer("prompt", 0)), (kept + chunk) / 2L) + 1;
        for (long budget = (long) kept + chunk; budget <= Math.min(last, Integer.MAX_VALUE); budget++) {
            PolicySpec candidate = spec.withBudget((int) budget);
            Sizing sizing;
            try {
                sizing = of(candidate, layers, chunk);
            } catch (IllegalArgumentException refused) {
                continue;
            }
            if (sizing.chunk() == chunk && sizing.kept() == kept) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("no budget makes " + spec.withBudget(0) + " keep K = " + kept + " entries with a chunk of C = "
                + chunk + " on " + layers + " layers (c* = C needs B >= 2C, epicache B >= 4C, lacache a ladder room >= C): "
                + "lower the chunk or keep more entries");
    }
}
