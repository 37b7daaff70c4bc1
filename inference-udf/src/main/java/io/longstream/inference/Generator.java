package io.longstream.inference;

import io.longstream.state.cache.KvCache;
import java.util.Set;
import java.util.function.IntConsumer;

/** Autoregressive decoding: prefill the prompt in chunks, then one token per step until a stop. */
public final class Generator {
    /** Why decoding ended. */
    public enum FinishReason { STOP, LENGTH }

    /** The generated ids (stop token excluded) and why decoding ended; null when it has not ended yet. */
    public static final class Result {
        public final int[] tokens;
        public final FinishReason finishReason;

        Result(int[] tokens, FinishReason finishReason) {
            this.tokens = tokens;
            this.finishReason = finishReason;
        }
    }

    private final Transformer transformer;
    private final int chunk;

    public Generator(Transformer transformer, int chunk) {
        this.transformer = transformer;
        this.chunk = chunk;
    }

    /**
     * Prefills {@code prompt} into {@code cache} and decodes up to {@code maxNewTokens}, passing each
     * token to {@code onToken} as it is chosen.
     */
    public Result generate(int[] prompt, KvCache cache, Sampler sampler, int maxNewTokens, Set<Integer> stopIds,
                           IntConsumer onToken) {
        return resume(prompt, new int[0], cache, sampler, maxNewTokens, stopIds, Math.max(1, maxNewTokens), onToken);
    }

    /**
     * Continues an answer of which {@code generated} is decoded already: prefills the prompt and those
     * tokens in one pass (chunking changes no bit, so this equals having decoded them here), then
     * decodes at most {@code block} more: an {@link AnswerDecoding} run alone. {@code sampler} must be past the draws of {@code generated}
     * ({@link Sampler#skip}). The result's finish reason is null while tokens remain to decode.
     */
    public Result resume(int[] prompt, int[] generated, KvCache cache, Sampler sampler, int maxNewTokens, Set<Integer> stopIds,
                         int block, IntConsumer onToken) {
        return new ForwardBatch(transformer).runAlone(new AnswerDecoding(transformer, chunk, prompt, generated, cache, sampler, maxNewTokens,
                stopIds, block, onToken)).result();
    }
}
