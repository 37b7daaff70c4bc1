package io.longstream.jobs.cli;

import io.longstream.inference.ChunkedPrefill;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.Topics;
import io.longstream.operators.EventLimits;
import io.longstream.operators.SessionConfig;
import io.longstream.state.cache.CacheDtype;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options of commands that run the pipeline. */
final class PipelineOptions {
    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model folder")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "CPU worker threads per model (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--chunk", paramLabel = "N", description = "prefill chunk in tokens (default: ${DEFAULT-VALUE})")
    int chunk = ChunkedPrefill.DEFAULT_CHUNK;

    @Option(names = "--policy", paramLabel = "NAME[:k=v,...]", description = "KV cache policy (default: ${DEFAULT-VALUE})")
    String policy = "full";

    @Option(names = "--budget", paramLabel = "N", description = "most cache entries per layer and KV head; 0 = unbounded (default: ${DEFAULT-VALUE})")
    int budget;

    @Option(names = "--cache-dtype", paramLabel = "TYPE", description = "KV cache precision: bf16 (default), f16 or f32")
    String cacheDtype = "bf16";

    @Option(names = "--parallelism", paramLabel = "N", description = "parallelism of the job (default: ${DEFAULT-VALUE})")
    int parallelism = 1;

    @Option(names = "--max-parallelism", paramLabel = "N", description = "key groups; fixed for the life of the job's state (default: ${DEFAULT-VALUE})")
    int maxParallelism = 128;

    @Option(names = "--checkpoint-interval", paramLabel = "SECONDS", description = "checkpoint every SECONDS; outputs are committed then (default: ${DEFAULT-VALUE})")
    double checkpointSeconds = 2;

    @Option(names = "--decode-block", paramLabel = "N", description = "answer tokens decoded per step; checkpoints pass between steps (default: ${DEFAULT-VALUE})")
    int decodeBlock = SessionConfig.DEFAULT_DECODE_BLOCK;

    @Option(names = "--max-batch", paramLabel = "N", description = "sessions advanced per step as one batch, sharing each forward pass (default: ${DEFAULT-VALUE})")
    int maxBatch = SessionConfig.DEFAULT_MAX_BATCH;

    @Option(names = "--idle-ttl", paramLabel = "SECONDS", description = "drop a session idle this long, saying so on the memory topic; 0 = never (default: ${DEFAULT-VALUE})")
    long idleTtlSeconds;

    @Option(names = "--topic-prefix", paramLabel = "NAME", description = "topics are NAME.events, NAME.answers, NAME.memory, NAME.rejects (default: ${DEFAULT-VALUE})")
    String topicPrefix = "longstream";

    @Option(names = "--max-text-bytes", paramLabel = "N", description = "longest text an event may carry (default: ${DEFAULT-VALUE})")
    int maxTextBytes = EventLimits.DEFAULT_MAX_TEXT_BYTES;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "most new tokens a query may ask for (default: ${DEFAULT-VALUE})")
    int maxNewTokens = EventLimits.DEFAULT_MAX_NEW_TOKENS;

    PipelineSettings settings() {
        if (!(checkpointSeconds > 0)) {
            throw new IllegalArgumentException("--checkpoint-interval must be > 0, got " + checkpointSeconds);
        }
        PipelineSettings s = new PipelineSettings();
        s.modelDir = model;
        s.threads = threads;
        s.chunk = chunk;
        s.policy = policy;
        s.budget = budget;
        s.cacheDtype = CacheDtype.parse(cacheDtype);
        s.parallelism = parallelism;
        s.maxParallelism = maxParallelism;
        s.checkpointInterval = Duration.ofMillis(Math.round(checkpointSeconds * 1000));
        s.topics = Topics.withPrefix(topicPrefix);
        s.maxTextBytes = maxTextBytes;
        s.maxNewTokens = maxNewTokens;
        if (idleTtlSeconds < 0) {
            throw new IllegalArgumentException("--idle-ttl must be >= 0 (0 = never), got " + idleTtlSeconds);
        }
        s.idleTtl = Duration.ofSeconds(idleTtlSeconds);
        s.decodeBlock = decodeBlock;
        s.maxBatch = maxBatch;
        return s;
    }
}
