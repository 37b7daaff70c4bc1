package io.longstream.inference.memory;

import io.longstream.inference.Transformer;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicy;

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
        float[] out = transformer.forward(tokens, cache, logits);
        return new Prefill(compact(), logits ? out : null);
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
}
