package io.longstream.jobs.pipeline;

import static io.longstream.jobs.config.Settings.BOOTSTRAP;
import static io.longstream.jobs.config.Settings.CACHE_DTYPE;
import static io.longstream.jobs.config.Settings.CHECKPOINT_INTERVAL;
import static io.longstream.jobs.config.Settings.CHUNK;
import static io.longstream.jobs.config.Settings.DECODE_BLOCK;
import static io.longstream.jobs.config.Settings.GROUP_ID;
import static io.longstream.jobs.config.Settings.IDLE_TTL;
import static io.longstream.jobs.config.Settings.MAX_BATCH;
import static io.longstream.jobs.config.Settings.MAX_BATCH_TOKENS;
import static io.longstream.jobs.config.Settings.MAX_NEW_TOKENS;
import static io.longstream.jobs.config.Settings.MAX_PARALLELISM;
import static io.longstream.jobs.config.Settings.MAX_TEXT_BYTES;
import static io.longstream.jobs.config.Settings.MODEL;
import static io.longstream.jobs.config.Settings.PARALLELISM;
import static io.longstream.jobs.config.Settings.TOPIC_PREFIX;
import static io.longstream.jobs.config.Settings.TRANSACTIONAL_ID_PREFIX;

import io.longstream.inference.Backend;
import io.longstream.inference.model.ModelConfig;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.operators.EventLimits;
import io.longstream.operators.SessionConfig;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a pipeline run is configured with, built from the option table's checked values (its defaults where
 * none were given); {@link #check()} adds what needs the model folder or several options at once.
 */
public final class PipelineSettings {
    public String bootstrap;
    public Topics topics;
    public String groupId;
    /** Prefix of the sinks' transactional ids: unique per job, stable across its restarts. */
    public String transactionalIdPrefix;
    public Path modelDir;
    public Backend backend;
    public int chunk;
    /** The cache policy, its budget included ({@code --budget} folded in where the spec sets none). */
    public PolicySpec policy;
    public CacheDtype cacheDtype;
    public long liveCacheBytes = SessionConfig.DEFAULT_LIVE_CACHE_BYTES;
    public int maxTextBytes;
    public int maxNewTokens;
    public int parallelism;
    public int maxParallelism;
    public Duration checkpointInterval;
    /** Answer tokens decoded per step (checkpoints pass between steps). */
    public int decodeBlock;
    /** Sessions the session operator advances per step as one batch. */
    public int maxBatch;
    /** Token rows one step forwards at most (answers first, then prefill first come first served). */
    public int maxBatchTokens;
    /** Idle sessions are dropped after this long; zero keeps them forever. */
    public Duration idleTtl;

    /** Every option at the table's default. */
    public PipelineSettings() {
        this(SettingValues.DEFAULTS);
    }

    public PipelineSettings(SettingValues values) {
        bootstrap = values.get(BOOTSTRAP);
        topics = Topics.withPrefix(values.get(TOPIC_PREFIX));
        groupId = values.get(GROUP_ID);
        transactionalIdPrefix = values.get(TRANSACTIONAL_ID_PREFIX);
        modelDir = values.get(MODEL);
        backend = Settings.backend(values);
        chunk = values.get(CHUNK);
        policy = Settings.policy(values);
        cacheDtype = values.get(CACHE_DTYPE);
        maxTextBytes = values.get(MAX_TEXT_BYTES);
        maxNewTokens = values.get(MAX_NEW_TOKENS);
        parallelism = values.get(PARALLELISM);
        maxParallelism = values.get(MAX_PARALLELISM);
        checkpointInterval = values.get(CHECKPOINT_INTERVAL);
        decodeBlock = values.get(DECODE_BLOCK);
        maxBatch = values.get(MAX_BATCH);
        maxBatchTokens = values.get(MAX_BATCH_TOKENS);
        idleTtl = values.get(IDLE_TTL);
    }

    /**
     * What the option table cannot check alone, checked once before anything is started, contacted or submitted:
     * the model folder, the policy against the model and the chunk, and the parallelism against the key groups.
     */
    public PipelineSettings check() {
        require(modelDir != null, "the model folder is not set (--model)");
        require(Files.isDirectory(modelDir), "model folder " + modelDir + " does not exist (--model)");
        // the sessions' text becomes tokens in the job: without a tokenizer every task would fail to start, and restart
        require(Files.isRegularFile(modelDir.resolve("tokenizer.json")),
                "model folder " + modelDir + " has no tokenizer.json, which the pipeline needs to tokenize events (--model)");
        require(maxParallelism >= parallelism, "--max-parallelism " + maxParallelism + " is below the parallelism " + parallelism);
        int layers = ModelConfig.read(modelDir).layers;
        try {
            CachePolicies.check(policy, layers, chunk);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--policy " + policy + ": " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * As {@link #check()}, for a pipeline that runs on this machine (run, demo, the benchmark): its backend must run
     * here too. A job submitted to a cluster is checked without this: its TaskManagers, not the client, hold the GPUs.
     */
    public PipelineSettings checkHere() {
        check();
        String reason = backend.unavailableReason();
        require(reason == null, Settings.BACKEND.name() + " " + backend.kind() + ": " + reason);
        return this;
    }

    public SessionConfig sessionConfig() {
        return new SessionConfig(modelDir.toAbsolutePath().toString(), backend, chunk, policy, cacheDtype, liveCacheBytes,
                idleTtl.toMillis(), decodeBlock, maxBatch, maxBatchTokens);
    }

    public EventLimits limits() {
        return new EventLimits(maxTextBytes, maxNewTokens);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
