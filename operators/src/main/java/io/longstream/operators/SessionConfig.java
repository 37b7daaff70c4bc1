package io.longstream.operators;

import io.longstream.inference.Backend;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.io.Serializable;
import java.nio.file.Paths;

/**
 * What the session operator needs to know, fixed per job. Its values come checked from where the job is
 * configured (the option table of the {@code jobs} module), so it holds them as they are.
 */
public final class SessionConfig implements Serializable {
    private static final long serialVersionUID = 3L;

    public static final long DEFAULT_LIVE_CACHE_BYTES = 256L << 20;
    public static final int DEFAULT_DECODE_BLOCK = 32;
    public static final int DEFAULT_MAX_BATCH = 16;
    public static final int DEFAULT_MAX_BATCH_TOKENS = 2048;

    final String modelDir;
    /** Where the model runs; one model per backend per TaskManager, shared by its operator instances. */
    final Backend backend;
    final int chunk;
    /** The job's cache policy, the job's budget folded in (kv-policies.md); sessions may switch with SET_POLICY. */
    final PolicySpec policy;
    final CacheDtype cacheDtype;
    /** Bytes of deserialised caches an operator instance keeps between steps (its LRU). */
    final long liveCacheBytes;
    final String modelName;
    /** A session idle this long is dropped (state and pages), with a memory update saying so; 0 = never. */
    final long idleTtlMillis;
    /** Answer tokens decoded per step; a longer answer takes several steps, so checkpoints pass between them. */
    final int decodeBlock;
    /** Sessions the operator advances per step as one batch. */
    final int maxBatch;
    /** Token rows a tick's steps forward together, at most; a step larger than that runs alone. */
    final int maxBatchTokens;

    public SessionConfig(String modelDir, Backend backend, int chunk, PolicySpec policy, CacheDtype cacheDtype, long liveCacheBytes,
                         long idleTtlMillis, int decodeBlock, int maxBatch, int maxBatchTokens) {
        this.modelDir = modelDir;
        this.backend = backend;
        this.chunk = chunk;
        this.policy = policy;
        this.cacheDtype = cacheDtype;
        this.liveCacheBytes = liveCacheBytes;
        this.idleTtlMillis = idleTtlMillis;
        this.decodeBlock = decodeBlock;
        this.maxBatch = maxBatch;
        this.maxBatchTokens = maxBatchTokens;
        this.modelName = Paths.get(modelDir).getFileName().toString();
    }

    public String modelDir() {
        return modelDir;
    }

    public Backend backend() {
        return backend;
    }

    /** C, the configured prefill chunk; a policy derives its c* from it. */
    public int chunk() {
        return chunk;
    }

    public PolicySpec policy() {
        return policy;
    }

    public CacheDtype cacheDtype() {
        return cacheDtype;
    }

    public long liveCacheBytes() {
        return liveCacheBytes;
    }

    public String modelName() {
        return modelName;
    }

    public long idleTtlMillis() {
        return idleTtlMillis;
    }

    public int decodeBlock() {
        return decodeBlock;
    }

    public int maxBatch() {
        return maxBatch;
    }

    public int maxBatchTokens() {
        return maxBatchTokens;
    }

    /**
     * The policy a session's SET_POLICY names, parsed where it enters the job; the job's budget where it sets none.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public PolicySpec sessionPolicy(String text) {
        return PolicySpec.parse(text).withDefaultBudget(policy.budget());
    }
}
