package io.longstream.inference.memory;

import io.longstream.inference.ForwardBatch;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Transformer;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicy;
import java.util.List;

/** A session's one KV cache under a {@link CachePolicy}: each chunk is attended, then the policy compacts. */
public final class PolicyMemory implements SessionMemory {
    private final Transformer transformer;
    private final CachePolicy policy;
    private final KvCache cache;

    public PolicyMemory(Transformer transformer, CachePolicy policy, KvCache cache) {
        this.transformer = transformer;
        this.policy = policy;
        this.cache = cache;
        cache.setRopeMode(policy.ropeMode());
    }

    /**
     * The same cache under {@code next} (SET_POLICY); {@link #compact()} it at once so next's bound holds.
     *
     * @throws IllegalArgumentException when {@code next} cannot hold the cache as it is: {@code full} with a budget
     *                                  below the cache evicts nothing, so the switch is refused with its reason
     */
    public PolicyMemory withPolicy(CachePolicy next) {
        String refusal = next.refusal(cache.maxEntries(), 0);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        return new PolicyMemory(transformer, next, cache);
    }

    /** Compacts the cache to the policy's target; returns the entries evicted. */
    public long compact() {
        return policy.compact(cache);
    }

    @Override
    public String spec() {
        return policy.spec();
    }

    @Override
    public int chunk() {
        return policy.chunk();
    }

    @Override
    public String ingestRefusal(int incoming) {
        return policy.refusal(cache.maxEntries(), incoming);
    }

    @Override
    public String queryRefusal(int promptTokens, int maxNew) {
        if (promptTokens + maxNew > policy.chunk()) {
            return "query too long: " + promptTokens + " prompt tokens + " + maxNew + " new tokens exceed the chunk of " + policy.chunk();
        }
        return policy.refusal(cache.maxEntries(), promptTokens + maxNew);
    }

    @Override
    public int queryChunk() {
        return policy.chunk();
    }

    @Override
    public boolean observeTurn(String role, String text) {
        return false;
    }

    @Override
    public boolean observeDocument(int[] ids) {
        return false;
    }

    @Override
    public Prefill prefill(int[] tokens, boolean logits) {
        return new ForwardBatch(transformer).runAlone(startPrefill(tokens, logits)).result();
    }

    /** One round: the chunk's forward; then the policy compacts. */
    @Override
    public MemoryChunk startPrefill(int[] tokens, boolean logits) {
        ForwardStep step = new ForwardStep(tokens, cache, logits);
        return new MemoryChunk() {
            private Prefill result;

            @Override
            public int tokens() {
                return tokens.length;
            }

            @Override
            public boolean done() {
                return result != null;
            }

            @Override
            public List<ForwardStep> nextForwards() {
                if (done()) {
                    throw new IllegalStateException("the chunk is prefilled");
                }
                return List.of(step);
            }

            @Override
            public void forwarded(List<float[]> out) {
                result = new Prefill(compact(), logits ? out.get(0) : null);
            }

            @Override
            public Prefill result() {
                return result;
            }
        };
    }

    @Override
    public int route(String queryText) {
        return 0;
    }

    @Override
    public int cacheCount() {
        return 1;
    }

    @Override
    public KvCache cache(int index) {
        if (index != 0) {
            throw new IndexOutOfBoundsException("a " + policy.spec() + " session has one cache, not " + (index + 1));
        }
        return cache;
    }

    @Override
    public long[] policyState() {
        return policy.state();
    }

    @Override
    public void snapshot(MemoryWriter writer) {
        writer.cache(0, cache);
        writer.header(new MemoryHeader(policy.state(), new int[0], List.of()));
    }
}
