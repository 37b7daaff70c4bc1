package io.longstream.state.policy;

import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;

/** {@code full} (kv-policies §2): keeps everything, c* = C; with a budget, refuses what would pass it. */
public final class FullPolicy implements CachePolicy {
    private final int budget;
    private final int chunk;

    public FullPolicy(int budget, int configuredChunk) {
        if (budget < 0) {
            throw new IllegalArgumentException("full: budget must be >= 0 (0 = unbounded), got " + budget);
        }
        this.budget = budget;
        this.chunk = configuredChunk;
    }

    @Override
    public String spec() {
        return budget == 0 ? "full" : "full:budget=" + budget;
    }

    @Override
    public int budget() {
        return budget;
    }

    @Override
    public int chunk() {
        return chunk;
    }

    @Override
    public String refusal(int size, int incoming) {
        long peak = (long) size + incoming;
        return budget > 0 && peak > budget
                ? "budget exceeded: the full policy would hold " + peak + " entries per layer and KV head, the budget is " + budget
                : null;
    }

    @Override
    public RopeMode ropeMode() {
        return RopeMode.ORIGINAL;
    }

    @Override
    public long compact(KvCache cache) {
        return 0;
    }
}
