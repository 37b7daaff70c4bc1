package io.longstream.state.policy;

/**
 * The common arithmetic of kv-policies §1: budget B, effective chunk c*, retain target T = B − c*.
 * compact() leaves at most T entries, the next chunk adds at most c*, so the peak stays at most B.
 */
final class ChunkBudget {
    private ChunkBudget() {
    }

    /** c* = min(C, floor(B/2)). */
    static int halfChunk(int budget, int configuredChunk) {
        return Math.min(configuredChunk, budget / 2);
    }

    static void requireBudget(String policy, int budget, int least) {
        if (budget < least) {
            throw new IllegalArgumentException(policy + " needs a budget (--budget B) of at least " + least + " entries, got " + budget);
        }
    }
}
