package io.longstream.state.policy;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;

/**
 * {@code sinks} (StreamingLLM, kv-policies §4) and {@code window} (§3): keep the first {@code start}
 * positions of every (layer, KV head) and the most recent ones up to the retain target; RoPE by rank.
 * {@code window} is the same with no sinks.
 */
public final class RecencyPolicy implements CachePolicy {
    public static final int DEFAULT_START = 4;

    private final String name;
    private final int budget;
    private final int start;
    private final int chunk;
    private final int target;

    private RecencyPolicy(String name, int budget, int start, int configuredChunk) {
        this.name = name;
        this.budget = budget;
        this.start = start;
        this.chunk = ChunkBudget.halfChunk(budget, configuredChunk);
        this.target = budget - chunk;
        if (target <= start) {
            throw new IllegalArgumentException(spec() + " with chunk " + chunk + " keeps T = B - c* = " + target
                    + " entries, which leaves no room past the " + start + " sinks: raise the budget");
        }
    }

    public static RecencyPolicy sinks(int budget, int start, int configuredChunk) {
        if (start < 0) {
            throw new IllegalArgumentException("sinks: start must be >= 0, got " + start);
        }
        ChunkBudget.requireBudget("sinks", budget, 2);
        return new RecencyPolicy("sinks", budget, start, configuredChunk);
    }

    public static RecencyPolicy window(int budget, int configuredChunk) {
        ChunkBudget.requireBudget("window", budget, 2);
        return new RecencyPolicy("window", budget, 0, configuredChunk);
    }

    @Override
    public String spec() {
        return name.equals("window") ? "window:budget=" + budget : "sinks:start=" + start + ",budget=" + budget;
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
        return null;
    }

    @Override
    public RopeMode ropeMode() {
        return RopeMode.RANK;
    }

    @Override
    public long compact(KvCache cache) {
        long evicted = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                int[] byPosition = head.slotsByPosition();
                int excess = byPosition.length - target;
                // evict the oldest non-sink entries: ranks [start, start + excess)
                for (int i = 0; i < excess; i++) {
                    head.evict(byPosition[start + i]);
                }
                evicted += Math.max(0, excess);
            }
        }
        return evicted;
    }
}
