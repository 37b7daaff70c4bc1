package io.longstream.inference;

import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * One answer's block of decoding as a {@link BatchedWork}, so that several sessions' answers decode together, each
 * token of every answer in one forward pass: first the prompt and the tokens generated before, in chunks of at most
 * {@code chunk} tokens, one chunk a round; then one token a round until a stop id, the block's end or max new tokens.
 * Rounds are what {@link Generator#resume} runs alone, so an answer's tokens are the same in a batch or alone.
 */
public final class AnswerDecoding implements BatchedWork {
    private final int chunk;
    private final KvCache cache;
    private final Sampler sampler;
    private final int maxNewTokens;
    private final Set<Integer> stopIds;
    private final IntConsumer onToken;
    private final int vocab;
    /** Prompt then the tokens generated before this block: what is prefilled first. */
    private final int[] context;
    private final int end;
    private final int[] out;
    private int prefilled;
    /** The next index of {@link #out} to sample. */
    private int next;
    private Generator.Result result;

    /**
     * The arguments of {@link Generator#resume}: decodes at most {@code block} tokens after {@code generated} (of at most
     * {@code maxNewTokens}) into {@code cache}, passing each to {@code onToken} as it is chosen; {@code sampler} must be
     * past the draws of {@code generated} ({@link Sampler#skip}).
     */
    public AnswerDecoding(Transformer transformer, int chunk, int[] prompt, int[] generated, KvCache cache, Sampler sampler,
                          int maxNewTokens, Set<Integer> stopIds, int block, IntConsumer onToken) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, got " + chunk);
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (block < 1 || generated.length > maxNewTokens) {
            throw new IllegalArgumentException("cannot decode blocks of " + block + " after " + generated.length + " of "
                    + maxNewTokens + " tokens");
        }
        this.chunk = chunk;
        this.cache = cache;
        this.sampler = sampler;
        this.maxNewTokens = maxNewTokens;
        this.stopIds = stopIds;
        this.onToken = onToken;
        this.vocab = transformer.config().vocab;
        this.out = Arrays.copyOf(generated, maxNewTokens);
        this.next = generated.length;
        this.end = Math.min(maxNewTokens, generated.length + block);
        this.context = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, context, prompt.length, generated.length);
        if (generated.length == maxNewTokens) {
            result = new Generator.Result(out, Generator.FinishReason.LENGTH);
        } else if (context.length == 0) {
            throw new IllegalArgumentException("nothing to prefill");
        }
    }

    /** The prompt and the tokens before this block, then one row a token after the first of the block. */
    @Override
    public int tokens() {
        return done() ? 0 : context.length + end - next - 1;
    }

    @Override
    public boolean done() {
        return result != null;
    }

    /** The generated ids (those before this block included) and why decoding ended, null while not done. */
    public Generator.Result result() {
        return result;
    }

    @Override
    public List<ForwardStep> nextForwards() {
        if (done()) {
            throw new IllegalStateException("the answer is decoded");
        }
        int[] tokens = prefilled < context.length
                ? Arrays.copyOfRange(context, prefilled, Math.min(context.length, prefilled + chunk))
                : new int[] {out[next - 1]};
        return List.of(new ForwardStep(tokens, cache, false));
    }

    @Override
    public void forwarded(List<float[]> logits) {
        if (prefilled < context.length) {
            prefilled = Math.min(context.length, prefilled + chunk);
            if (prefilled < context.length) {
                return;
            }
        }
        int token = sampler.next(logits.get(0), 0, vocab);
        if (stopIds.contains(token)) {
            result = new Generator.Result(Arrays.copyOf(out, next), Generator.FinishReason.STOP);
            return;
        }
        out[next++] = token;
        onToken.accept(token);
        if (next == end) {
            result = end == maxNewTokens ? new Generator.Result(out, Generator.FinishReason.LENGTH)
                    : new Generator.Result(Arrays.copyOf(out, end), null);
        }
    }
}
