package io.longstream.inference;

import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.Set;
import java.util.function.IntConsumer;

/** Autoregressive decoding: prefill the prompt in chunks, then one token per step until a stop. */
public final class Generator {
    /** Why decoding ended. */
    public enum FinishReason { STOP, LENGTH }

    /** The generated ids (stop token excluded) and why decoding ended. */
    public static final class Result {
        public final int[] tokens;
        public final FinishReason finishReason;

        Result(int[] tokens, FinishReason finishReason) {
            this.tokens = tokens;
            this.finishReason = finishReason;
        }
    }

    private final Transformer transformer;
    private final ChunkedPrefill prefill;

    public Generator(Transformer transformer, int chunk) {
        this.transformer = transformer;
        this.prefill = new ChunkedPrefill(transformer, chunk);
    }

    /**
     * Prefills {@code prompt} into {@code cache} and decodes up to {@code maxNewTokens}, passing each
     * token to {@code onToken} as it is chosen.
     */
    public Result generate(int[] prompt, KvCache cache, Sampler sampler, int maxNewTokens, Set<Integer> stopIds,
                           IntConsumer onToken) {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        int vocab = transformer.config().vocab;
        int[] out = new int[maxNewTokens];
        if (maxNewTokens == 0) {
            return new Result(out, FinishReason.LENGTH);
        }
        float[] logits = prefill.run(prompt, cache, false);
        for (int i = 0; i < maxNewTokens; i++) {
            int token = sampler.next(logits, 0, vocab);
            if (stopIds.contains(token)) {
                return new Result(Arrays.copyOf(out, i), FinishReason.STOP);
            }
            out[i] = token;
            onToken.accept(token);
            if (i + 1 < maxNewTokens) {
                logits = transformer.forward(new int[] {token}, cache, false);
            }
        }
        return new Result(out, FinishReason.LENGTH);
    }
}
