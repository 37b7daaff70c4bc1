package io.longstream.state.policy.epicache;

/**
 * How an {@code epicache} episode cache splits its budget (kv-policies §6, "Budget"): each layer keeps a
 * retained share and reserves headroom for one chunk plus the patched prompt, so a layer peaks at its
 * retained share plus the headroom.
 */
public final class EpisodeBudget {
    /** The default patched prompt's cap never exceeds this many tokens, whatever the budget. */
    private static final int MAX_PROMPT = 512;

    private final int budget;
    private final int chunk;
    private final int promptCap;

    private EpisodeBudget(int budget, int chunk, int promptCap) {
        this.budget = budget;
        this.chunk = chunk;
        this.promptCap = promptCap;
    }

    /** {@link #of(int, int, int)} with the default Pcap = min(512, floor(B/4)). */
    public static EpisodeBudget of(int budget, int configuredChunk) {
        return of(budget, configuredChunk, 0);
    }

    /**
     * c* = min(C, floor(B/4)), Pcap = {@code promptCap} or, when 0, min(512, floor(B/4)), H = c* + Pcap, M = B − H.
     *
     * @throws IllegalArgumentException naming B, C and Pcap if c* < 1, Pcap < 0 or M < 1 (with the default Pcap and
     *                                  c* ≥ 1, B ≥ 4 and M ≥ B − 2·floor(B/4) ≥ 2)
     */
    public static EpisodeBudget of(int budget, int configuredChunk, int promptCap) {
        int chunk = Math.min(configuredChunk, budget / 4);
        if (chunk < 1) {
            throw new IllegalArgumentException("epicache needs c* = min(C, floor(B/4)) >= 1 and M = B - c* - min(512, floor(B/4)) >= 1, got B = "
                    + budget + ", C = " + configuredChunk);
        }
        if (promptCap < 0) {
            throw new IllegalArgumentException("epicache's prompt cap Pcap (prompt=) must be >= 1, or 0 for min(512, floor(B/4)), got " + promptCap);
        }
        int cap = promptCap == 0 ? Math.min(MAX_PROMPT, budget / 4) : promptCap;
        if (budget - chunk - cap < 1) {
            throw new IllegalArgumentException("epicache needs M = B - c* - Pcap >= 1, got B = " + budget + ", c* = " + chunk + ", Pcap = " + cap);
        }
        return new EpisodeBudget(budget, chunk, cap);
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
