package io.longstream.inference.eval;

import io.longstream.inference.Transformer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicy;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Streaming perplexity as StreamingLLM evaluates it: each stream starts from an empty cache and is
 * fed in chunks of the policy's c* (1 = token by token), each chunk attending to the kept cache and
 * itself, the policy compacting after every chunk; the NLL of every next token is averaged.
 */
public final class StreamingPerplexity {
    /** tokens predicted, mean NLL (nats), its exp, and the most entries any (layer, KV head) held at a peak. */
    public static final class Result {
        public final long tokens;
        public final double nll;
        public final double ppl;
        public final int maxCacheEntries;

        Result(long tokens, double nll, int maxCacheEntries) {
            this.tokens = tokens;
            this.nll = nll;
            this.ppl = Math.exp(nll);
            this.maxCacheEntries = maxCacheEntries;
        }
    }

    private final Transformer transformer;
    private final CacheDtype dtype;

    public StreamingPerplexity(Transformer transformer, CacheDtype dtype) {
        this.transformer = transformer;
        this.dtype = dtype;
    }

    /** @param policies a fresh policy per stream (policies may keep state) */
    public Result run(List<int[]> streams, Supplier<CachePolicy> policies) {
        double nllSum = 0;
        long predicted = 0;
        int peak = 0;
        int vocab = transformer.config().vocab;
        for (int[] ids : streams) {
            CachePolicy policy = policies.get();
            KvCache cache = transformer.newCache(dtype);
            cache.setRopeMode(policy.ropeMode());
            // the last token is only a target
            for (int i = 0; i + 1 < ids.length; i += policy.chunk()) {
                int end = Math.min(i + policy.chunk(), ids.length - 1);
                float[] logits = transformer.forward(Arrays.copyOfRange(ids, i, end), cache, true);
                peak = Math.max(peak, cache.maxEntries());
                for (int j = 0; j < end - i; j++) {
                    nllSum += negativeLogLikelihood(logits, j * vocab, vocab, ids[i + j + 1]);
                }
                predicted += end - i;
                policy.compact(cache);
            }
        }
        return new Result(predicted, predicted == 0 ? Double.NaN : nllSum / predicted, peak);
    }

    /** −log softmax(row)[target], in double: log Σ exp(z − max) + max − z_target. */
    static double negativeLogLikelihood(float[] logits, int offset, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += StrictMath.exp(logits[offset + v] - max);
        }
        return StrictMath.log(sum) + max - logits[offset + target];
    }
}
