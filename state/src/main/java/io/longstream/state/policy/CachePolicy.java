package io.longstream.state.policy;

import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;

/**
 * Decides what a session's KV cache keeps (kv-policies.md): the effective chunk c*, which new
 * entries a budget refuses, and what stays after each prefill chunk. One instance per session;
 * testable without a model.
 */
public interface CachePolicy {
    /** The policy and its parameters, as a user writes them: {@code NAME[:key=value,...]}. */
    String spec();

    /** Most entries per (layer, KV head), the chunk being attended included; 0 = unbounded. */
    int budget();

    /** c*: the prefill chunk this policy runs with; a query and its answer must fit in it too. */
    int chunk();

    /**
     * Why {@code incoming} more entries per (layer, KV head) cannot be attended on top of a cache
     * holding {@code size}, or null when they can.
     */
    String refusal(int size, int incoming);

    /** How attention rotates the keys this policy keeps. */
    RopeMode ropeMode();

    /** Runs after every prefill chunk: drops what the policy does not keep; returns the entries evicted. */
    long compact(KvCache cache);

    /** What the policy remembers between chunks, persisted with the session; empty for most policies. */
    default long[] state() {
        return new long[0];
    }

    /** Takes back what {@link #state()} returned before a restore. */
    default void restore(long[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException(spec() + " keeps no state, got " + state.length + " values");
        }
    }
}
