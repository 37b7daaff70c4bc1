package io.longstream.jobs.pipeline;

import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.model.ModelConfig;
import io.longstream.operators.EventLimits;
import io.longstream.operators.SessionConfig;
import io.longstream.state.cache.CacheDtype;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Everything a pipeline run is configured with; {@link #check()} fails fast naming the bad setting's option. */
public final class PipelineSettings {
    public String bootstrap;
    public Topics topics = Topics.defaults();
    public String groupId = "longstream";
    /** Prefix of the sinks' transactional ids: unique per job, stable across its restarts. */
    public String transactionalIdPrefix = "longstream";
    public Path modelDir;
    public int threads = Runtime.getRuntime().availableProcessors();
    public int chunk = ChunkedPrefill.DEFAULT_CHUNK;
    /** The cache policy, {@code NAME[:key=value,...]}. */
    public String policy = "full";
    /** Most cache entries per (layer, KV head); 0 = unbounded. */
    public int budget;
    public CacheDtype cacheDtype = CacheDtype.BF16;
    public long liveCacheBytes = SessionConfig.DEFAULT_LIVE_CACHE_BYTES;
    public int maxTextBytes = EventLimits.DEFAULT_MAX_TEXT_BYTES;
    public int maxNewTokens = EventLimits.DEFAULT_MAX_NEW_TOKENS;
    public int parallelism = 1;
    public int maxParallelism = 128;
    public Duration checkpointInterval = Duration.ofSeconds(5);
    /** Answer tokens decoded per step (checkpoints pass between steps). */
    public int decodeBlock = SessionConfig.DEFAULT_DECODE_BLOCK;
    /** Sessions advanced per step as one batch. */
    public int maxBatch = SessionConfig.DEFAULT_MAX_BATCH;
    /** Idle sessions are dropped after this long; zero keeps them forever. */
    public Duration idleTtl = Duration.ZERO;

    /** Every setting, the bootstrap servers included; the pipeline is built only from settings that pass. */
    public PipelineSettings check() {
        require(bootstrap != null && !bootstrap.isBlank(), "bootstrap servers are not set (--bootstrap)");
        return checkOptions();
    }

    /**
     * Every setting that can be checked without a broker (the model folder is read, nothing is started):
     * callers run it before they start or contact a broker, create topics or submit to a cluster.
     */
    public PipelineSettings checkOptions() {
        require(modelDir != null, "the model folder is not set (--model)");
        require(Files.isDirectory(modelDir), "model folder " + modelDir + " does not exist (--model)");
        require(threads >= 1, "--threads must be >= 1, got " + threads);
        require(chunk >= 1, "--chunk must be >= 1, got " + chunk);
        require(budget >= 0, "--budget must be >= 0 (0 = unbounded), got " + budget);
        require(maxTextBytes >= 1, "--max-text-bytes must be >= 1, got " + maxTextBytes);
        require(maxNewTokens >= 1, "--max-new-tokens must be >= 1, got " + maxNewTokens);
        require(parallelism >= 1, "--parallelism must be >= 1, got " + parallelism);
        require(maxParallelism >= parallelism, "--max-parallelism " + maxParallelism + " is below the parallelism " + parallelism);
        require(!checkpointInterval.isNegative() && !checkpointInterval.isZero(),
                "--checkpoint-interval must be positive, got " + checkpointInterval);
        require(decodeBlock >= 1, "--decode-block must be >= 1, got " + decodeBlock);
        require(maxBatch >= 1, "--max-batch must be >= 1, got " + maxBatch);
        require(!idleTtl.isNegative(), "--idle-ttl must be >= 0 (0 = off), got " + idleTtl);
        int layers = ModelConfig.read(modelDir).layers;
        try {
            // the policy's spec and budget are checked against the model now, not at the first session
            sessionConfig().checkPolicy(policy, layers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--policy " + policy + ": " + e.getMessage(), e);
        }
        return this;
    }

    SessionConfig sessionConfig() {
        return new SessionConfig(modelDir.toAbsolutePath().toString(), threads, chunk, policy, budget, cacheDtype, liveCacheBytes,
                idleTtl.toMillis(), decodeBlock, maxBatch);
    }

    EventLimits limits() {
        return new EventLimits(maxTextBytes, maxNewTokens);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
