package io.longstream.inference.eval;

import io.longstream.inference.memory.SessionMemory;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Streaming perplexity as StreamingLLM evaluates it: each stream starts from an empty memory and is
 * fed in chunks of the policy's c* (1 = token by token), each chunk attending to the kept cache and
 * itself, the policy compacting after every chunk; the NLL of every next token is averaged. A stream
 * is a document: every {@value #PIECE} tokens consumed are shown to the memory as one piece of it
 * (epicache segments and clusters them; the other policies ignore them).
 */
public final class StreamingPerplexity {
    /** Tokens per document piece shown to the memory. */
    public static final int PIECE = 256;

    /**
     * tokens predicted, mean NLL (nats), its exp, the most entries a chunk token attended to in one (layer, KV head),
     * itself included, the mean of what a token attended (per layer and KV head, itself included; over all of a
     * memory's caches), and the most bytes a memory stored after a chunk (every episode cache counted).
     */
    public static final class Result {
        public final long tokens;
        public final double nll;
        public final double ppl;
        public final int maxCacheEntries;
        public final double meanAttendedEntries;
        public final long cacheBytes;

        Result(long tokens, double nll, int maxCacheEntries, double meanAttendedEntries, long cacheBytes) {
            this.tokens = tokens;
            this.nll = nll;
            this.ppl = Math.exp(nll);
            this.maxCacheEntries = maxCacheEntries;
            this.meanAttendedEntries = meanAttendedEntries;
            this.cacheBytes = cacheBytes;
        }
    }

    private final int vocab;

    public StreamingPerplexity(int vocab) {
        this.vocab = vocab;
    }

    /** @param memories a fresh memory for stream i (policies may keep state; epicache seeds its clustering per stream) */
    public Result run(List<int[]> streams, IntFunction<SessionMemory> memories) {
        double nllSum = 0;
        double attendedSum = 0;
        long predicted = 0;
        int peak = 0;
        long bytes = 0;
        for (int s = 0; s < streams.size(); s++) {
            int[] ids = streams.get(s);
            SessionMemory memory = memories.apply(s);
            int observed = 0;
            // the last token is only a target
            for (int i = 0; i + 1 < ids.length; i += memory.chunk()) {
                int end = Math.min(i + memory.chunk(), ids.length - 1);
                peak = Math.max(peak, largestCache(memory) + end - i);
                double held = meanEntries(memory);
                // logits: [end - i][vocab]
                float[] logits = memory.prefill(Arrays.copyOfRange(ids, i, end), true).logits();
                for (int j = 0; j < end - i; j++) {
                    nllSum += NextTokenLoss.negativeLogLikelihood(logits, j * vocab, vocab, ids[i + j + 1]);
                    attendedSum += held + j + 1;
                }
                bytes = Math.max(bytes, memory.bytes());
                predicted += end - i;
                for (; end - observed >= PIECE; observed += PIECE) {
                    memory.observeDocument(Arrays.copyOfRange(ids, observed, observed + PIECE));
                }
            }
        }
        return new Result(predicted, predicted == 0 ? Double.NaN : nllSum / predicted, peak,
                predicted == 0 ? Double.NaN : attendedSum / predicted, bytes);
    }

    /** The entries a (layer, KV head) holds, on average over every one of the memory's caches. */
    static double meanEntries(SessionMemory memory) {
        double sum = 0;
        for (int k = 0; k < memory.cacheCount(); k++) {
            sum += memory.cache(k).meanEntries();
        }
        return sum / memory.cacheCount();
    }

    private static int largestCache(SessionMemory memory) {
        int max = 0;
        for (int k = 0; k < memory.cacheCount(); k++) {
            max = Math.max(max, memory.cache(k).maxEntries());
        }
        return max;
    }
}
