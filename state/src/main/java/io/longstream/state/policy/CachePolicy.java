package io.longstream.state.policy;

import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;

/**
 * Decides what a session's KV cache keeps (kv-policies.md): the effective chunk c*, which new
 * entries a budget refuses, and what stays after each prefill chunk. Testable without a model.
 */
public interface CachePolicy {
    /** The policy and its parameters, as a user writes them: {@code NAME[:key=value,...]}. */
    String spec();

    /** Most entries per (layer, KV head), the chunk being attended included; 0 = unbounded. */
    int budget();

    /** c*: the prefill chunk this policy runs with, given the configured chunk C. */
    int effectiveChunk(int configuredChunk);

    /**
     * Why {@code incoming} more entries per (layer, KV head) cannot be attended on top of a cache
     * holding {@code size}, or null when they can.
     */
    String refusal(int size, int incoming);

    /** How attention rotates the keys this policy keeps. */
    RopeMode ropeMode();

    /** Runs after every prefill chunk: drops what the policy does not keep; returns the entries evicted. */
    long compact(KvCache cache);
}
