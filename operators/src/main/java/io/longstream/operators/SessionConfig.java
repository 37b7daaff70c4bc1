package io.longstream.operators;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.CachePolicy;
import java.io.Serializable;
import java.nio.file.Paths;

/** What the session operator needs to know, fixed per job and checked when the job is built. */
public final class SessionConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    final String modelDir;
    final int threads;
    final int chunk;
    /** The cache policy, {@code NAME[:key=value,...]} (kv-policies.md). */
    final String policySpec;
    /** Most cache entries per (layer, KV head); 0 = unbounded. */
    final int budget;
    final CacheDtype cacheDtype;
    /** Bytes of deserialised caches an operator instance keeps between steps (its LRU). */
    final long liveCacheBytes;
    final String modelName;
    /** A session idle this long is dropped (state and pages), with a memory update saying so; 0 = never. */
    final long idleTtlMillis;
    /** Answer tokens decoded per step; a longer answer takes several steps, so checkpoints pass between them. */
    final int decodeBlock;
    /** Sessions the operator advances in one batch, one step each, sharing every forward pass. */
    final int maxBatch;

    public SessionConfig(String modelDir, int threads, int chunk, String policySpec, int budget, CacheDtype cacheDtype,
                         long liveCacheBytes) {
        this(modelDir, threads, chunk, policySpec, budget, cacheDtype, liveCacheBytes, 0, DEFAULT_DECODE_BLOCK, DEFAULT_MAX_BATCH);
    }

    public SessionConfig(String modelDir, int threads, int chunk, String policySpec, int budget, CacheDtype cacheDtype,
                         long liveCacheBytes, long idleTtlMillis, int decodeBlock, int maxBatch) {
        require(threads >= 1, "threads", threads);
        require(chunk >= 1, "chunk", chunk);
        require(budget >= 0, "budget", budget);
        if (liveCacheBytes < 0) {
            throw new IllegalArgumentException("session config: live cache bytes is out of range: " + liveCacheBytes);
        }
        this.modelDir = modelDir;
        this.threads = threads;
        this.chunk = chunk;
        this.policySpec = policySpec;
        this.budget = budget;
        this.cacheDtype = cacheDtype;
        this.liveCacheBytes = liveCacheBytes;
        if (idleTtlMillis < 0) {
            throw new IllegalArgumentException("session config: idle TTL must be >= 0 (0 = off), got " + idleTtlMillis + " ms");
        }
        this.idleTtlMillis = idleTtlMillis;
        require(decodeBlock >= 1, "decode block", decodeBlock);
        this.decodeBlock = decodeBlock;
        require(maxBatch >= 1, "max batch", maxBatch);
        this.maxBatch = maxBatch;
        this.modelName = Paths.get(modelDir).getFileName().toString();
    }

    public static final long DEFAULT_LIVE_CACHE_BYTES = 256L << 20;
    public static final int DEFAULT_DECODE_BLOCK = 32;
    public static final int DEFAULT_MAX_BATCH = 16;

    /** A fresh instance of the policy {@code spec} (the job's budget unless the spec sets one) for a model of {@code layers}. */
    public CachePolicy policy(String spec, int layers) {
        return CachePolicies.parse(spec, budget, layers, chunk);
    }

    /** Checks {@code spec} as the session operator will read it, so a bad policy fails when the job is built. */
    public void checkPolicy(String spec, int layers) {
        if (CachePolicies.episodic(spec)) {
            CachePolicies.episodeSettings(spec, budget, chunk);
        } else {
            policy(spec, layers);
        }
    }

    private static void require(boolean ok, String name, int value) {
        if (!ok) {
            throw new IllegalArgumentException("session config: " + name + " is out of range: " + value);
        }
    }
}
