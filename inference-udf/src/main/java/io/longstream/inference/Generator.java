package io.longstream.inference;

import io.longstream.state.cache.KvCache;
import java.util.Arrays;
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
        return resume(prompt, new int[0], cache, sampler, maxNewTokens, stopIds, Math.max(1, maxNewTokens), onToken);
    }

    /**
     * Continues an answer of which {@code generated} is decoded already: prefills the prompt and those
     * tokens in one pass (chunking changes no bit, so this equals having decoded them here), then
     * decodes at most {@code block} more. {@code sampler} must be past the draws of {@code generated}
     * ({@link Sampler#skip}). The result's finish reason is null while tokens remain to decode.
     */
    public Result resume(int[] prompt, int[] generated, KvCache cache, Sampler sampler, int maxNewTokens, Set<Integer> stopIds,
                         int block, IntConsumer onToken) {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (block < 1 || generated.length > maxNewTokens) {
            throw new IllegalArgumentException("cannot decode blocks of " + block + " after " + generated.length + " of "
                    + maxNewTokens + " tokens");
        }
        int vocab = transformer.config().vocab;
        int[] out = Arrays.copyOf(generated, maxNewTokens);
        if (generated.length == maxNewTokens) {
            return new Result(out, FinishReason.LENGTH);
        }
        int[] context = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, context, prompt.length, generated.length);
        float[] logits = prefill.run(context, cache, false);
        int end = Math.min(maxNewTokens, generated.length + block);
        for (int i = generated.length; i < end; i++) {
            int token = sampler.next(logits, 0, vocab);
            if (stopIds.contains(token)) {
                return new Result(Arrays.copyOf(out, i), FinishReason.STOP);
            }
            out[i] = token;
            onToken.accept(token);
            if (i + 1 < end) {
                logits = transformer.forward(new int[] {token}, cache, false);
            }
        }
        return end == maxNewTokens ? new Result(out, FinishReason.LENGTH) : new Result(Arrays.copyOf(out, end), null);
    }
}
