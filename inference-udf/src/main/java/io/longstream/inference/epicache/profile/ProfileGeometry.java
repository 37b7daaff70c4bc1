package io.longstream.inference.epicache.profile;

/**
 * How much of the profiling text is run and how block-local attention restricts it: EpiCache's reference
 * (16K tokens, blocks of 4096, 128 sinks) shrunk in proportion to what the model can read (kv-policies §6).
 *
 * @param tokens the text's length in tokens
 * @param block  tokens per block; each block also sees the last {@code block / 2} tokens of the one before
 * @param sinks  the text's first tokens, which every block sees
 */
public record ProfileGeometry(int tokens, int block, int sinks) {
    public static final int REFERENCE_TOKENS = 16384;
    public static final int REFERENCE_BLOCK = 4096;
    public static final int REFERENCE_SINKS = 128;
    /** StreamingLLM's sink count: the fewest sinks a short context is given. */
    public static final int LEAST_SINKS = 4;

    public ProfileGeometry {
        if (tokens < 1 || block < 2 || sinks < 0) {
            throw new IllegalArgumentException("a profile needs tokens >= 1, block >= 2 and sinks >= 0, got " + tokens + ", " + block
                    + ", " + sinks);
        }
    }

    /**
     * The reference scaled to {@code min(16384, maxPositions, available)} tokens: block = tokens / 4 (at most 4096),
     * sinks = block / 32 (at least 4, at most 128), the reference's ratios.
     *
     * @param maxPositions the model's max_position_embeddings, 0 when unknown
     * @param available    tokens the text has
     */
    public static ProfileGeometry scaledTo(int maxPositions, int available) {
        int tokens = Math.min(REFERENCE_TOKENS, available);
        if (maxPositions > 0) {
            tokens = Math.min(tokens, maxPositions);
        }
        int block = Math.max(2, Math.min(REFERENCE_BLOCK, tokens / 4));
        int sinks = Math.min(REFERENCE_SINKS, Math.max(LEAST_SINKS, block / 32));
        return new ProfileGeometry(tokens, block, sinks);
    }
}
