package io.longstream.state.policy.epicache;

/**
 * How an {@code epicache} episode cache splits its budget (kv-policies §6, "Budget"): each layer keeps a
 * retained share and reserves headroom for one chunk plus the patched prompt, so a layer peaks at its
 * retained share plus the headroom.
 */
public final class EpisodeBudget {
    /** The patched prompt's cap never exceeds this many tokens, whatever the budget. */
    private static final int MAX_PROMPT = 512;

    private final int budget;
    private final int chunk;
    private final int promptCap;

    private EpisodeBudget(int budget, int chunk, int promptCap) {
        this.budget = budget;
        this.chunk = chunk;
        this.promptCap = promptCap;
    }

    /**
     * c* = min(C, floor(B/4)), Pcap = min(512, floor(B/4)), H = c* + Pcap, M = B − H.
     *
     * @throws IllegalArgumentException naming B and C if c* < 1 (with c* ≥ 1, B ≥ 4 and M ≥ B − 2·floor(B/4) ≥ 2,
     *                                  so M < 1 never needs a check of its own)
     */
    public static EpisodeBudget of(int budget, int configuredChunk) {
        int chunk = Math.min(configuredChunk, budget / 4);
        if (chunk < 1) {
            throw new IllegalArgumentException("epicache needs c* = min(C, floor(B/4)) >= 1 and M = B - c* - min(512, floor(B/4)) >= 1, got B = "
                    + budget + ", C = " + configuredChunk);
        }
        return new EpisodeBudget(budget, chunk, Math.min(MAX_PROMPT, budget / 4));
    }

    /** B: the average entries per (layer, KV head) an episode cache may hold at its peak. */
    public int budget() {
        return budget;
    }

    /** c*: the tokens of one prefill chunk. */
    public int chunk() {
        return chunk;
    }

    /** Pcap: the most tokens of the patched prompt. */
    public int promptCap() {
        return promptCap;
    }

    /** H = c* + Pcap: the room a layer keeps free for a chunk and the patched prompt. */
    public int headroom() {
        return chunk + promptCap;
    }

    /** M = B − H: the average entries per (layer, KV head) kept after compaction. */
    public int retained() {
        return budget - headroom();
    }
}
