package io.longstream.inference;

import io.longstream.state.cache.KvCache;
import java.util.Arrays;

/**
 * Feeds a token sequence into a cache in chunks of at most C tokens, so activation memory depends on
 * C and not on the input length. Each chunk attends to the cache plus itself, causally.
 */
public final class ChunkedPrefill {
    public static final int DEFAULT_CHUNK = 512;

    private final Transformer transformer;
    private final int chunk;

    public ChunkedPrefill(Transformer transformer, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, got " + chunk);
        }
        this.transformer = transformer;
        this.chunk = chunk;
    }

    public int chunk() {
        return chunk;
    }

    /**
     * @return the last token's logits [vocab], or with {@code allLogits} every token's, [tokens][vocab]
     */
    public float[] run(int[] tokens, KvCache cache, boolean allLogits) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("nothing to prefill");
        }
        int vocab = transformer.config().vocab;
        float[] all = allLogits ? new float[tokens.length * vocab] : null;
        float[] last = null;
        for (int start = 0; start < tokens.length; start += chunk) {
            int[] part = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + chunk));
            float[] logits = transformer.forward(part, cache, allLogits);
            if (allLogits) {
                System.arraycopy(logits, 0, all, start * vocab, logits.length);
            } else {
                last = logits;
            }
        }
        return allLogits ? all : last;
    }
}
