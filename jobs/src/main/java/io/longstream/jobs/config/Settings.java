package io.longstream.jobs.config;

import io.longstream.inference.Backend;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.jobs.io.BrokerTimeout;
import io.longstream.operators.EventLimits;
import io.longstream.operators.SessionConfig;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.KeptEntries;
import io.longstream.state.policy.PolicySpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Every option the {@code longstream} commands and the job take, each defined once: its name, type, default,
 * meaning and check. The commands take them from here ({@link Configured}), the pipeline's settings are built
 * from their checked values, and {@code docs/configuration.md} is generated from this table.
 */
public final class Settings {
    private Settings() {
    }

    public static final Setting<Path> MODEL = Setting.path("--model", "DIR")
            .description("Hugging Face model folder (config.json, *.safetensors, tokenizer.json); demo: the shipped model when not given");
    public static final Setting<Integer> THREADS = Setting.integer("--threads", "N")
            .defaultValue(() -> Runtime.getRuntime().availableProcessors(), "all cores")
            .description("CPU worker threads per model")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Backend.Kind> BACKEND = Setting.of("--backend", "NAME", "cpu|cuda", Backend.Kind::parse)
            .defaultValue(() -> Backend.Kind.CPU, "cpu")
            .description("where the model runs: cpu (Java, --threads cores) or cuda (our CUDA kernels on --gpu; needs an "
                    + "NVIDIA GPU and its driver)");
    public static final Setting<Integer> GPU = Setting.integer("--gpu", "N")
            .defaultValue(0)
            .description("the GPU of --backend cuda; on a Flink cluster with the GPU external resource (external-resources: gpu), "
                    + "the GPU Flink assigns the TaskManager")
            .check(n -> n >= 0, "must be >= 0");
    public static final Setting<Double> GPU_CACHE_FRACTION = Setting.of("--gpu-cache-fraction", "F", "fraction", Double::parseDouble)
            .defaultValue(0.8)
            .description("--backend cuda: the share of the GPU memory free after the weights that sessions' device caches "
                    + "may take; the least recently used leave the GPU beyond it")
            .check(f -> f > 0 && f <= 1, "must be in (0, 1]");
    public static final Setting<Integer> CHUNK = Setting.integer("--chunk", "N")
            .defaultValue(ChunkedPrefill.DEFAULT_CHUNK)
            .description("prefill chunk C in tokens; a policy prefills in chunks of its c* <= C (1: token by token)")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<CacheDtype> CACHE_DTYPE = Setting.of("--cache-dtype", "TYPE", "f32|bf16|f16|int8", CacheDtype::parse)
            .defaultValue(() -> CacheDtype.BF16, "bf16")
            .description("KV cache precision: f32, bf16, f16, or int8 with a scale per entry");
    public static final Setting<PolicySpec> POLICY = Setting.of("--policy", "NAME[:k=v,...]", "policy spec", PolicySpec::parse)
            .defaultValue(PolicySpec.parse("full"))
            .description("KV cache policy: full, window, sinks, lacache or epicache, with its parameters (docs/kv-policies.md)");
    public static final Setting<Integer> BUDGET = Setting.integer("--budget", "B")
            .defaultValue(0)
            .description("most cache entries per layer and KV head, the attended chunk included (epicache: per episode, "
                    + "averaged over layers); 0 = unbounded; a budget= in --policy wins")
            .check(n -> n >= 0, "must be >= 0 (0 = unbounded)");
    public static final Setting<Integer> KEPT = Setting.integer("--kept", "K")
            .defaultValue(0)
            .description("compare policies at equal kept entries: the budget at which the policy keeps K entries per layer and "
                    + "KV head after each chunk (what a query attends besides itself), prefilling in chunks of exactly --chunk "
                    + "(docs/kv-policies.md, Kept entries); instead of --budget; 0 = off")
            .check(n -> n >= 0, "must be >= 0 (0 = off)");

    public static final Setting<Integer> PARALLELISM = Setting.integer("--parallelism", "N")
            .defaultValue(1)
            .description("parallelism of the job")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Integer> MAX_PARALLELISM = Setting.integer("--max-parallelism", "N")
            .defaultValue(128)
            .description("key groups, at least the parallelism; fixed for the life of the job's state")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Duration> CHECKPOINT_INTERVAL = Setting.seconds("--checkpoint-interval")
            .defaultValue(() -> Duration.ofSeconds(2), "2")
            .description("checkpoint every SECONDS; outputs are committed then")
            .check(d -> !d.isNegative() && !d.isZero(), "must be > 0");
    public static final Setting<Integer> DECODE_BLOCK = Setting.integer("--decode-block", "N")
            .defaultValue(SessionConfig.DEFAULT_DECODE_BLOCK)
            .description("answer tokens decoded per step; checkpoints pass between steps")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Integer> MAX_BATCH = Setting.integer("--max-batch", "N")
            .defaultValue(SessionConfig.DEFAULT_MAX_BATCH)
            .description("sessions the session operator advances per step as one batch")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Integer> MAX_BATCH_TOKENS = Setting.integer("--max-batch-tokens", "N")
            .defaultValue(SessionConfig.DEFAULT_MAX_BATCH_TOKENS)
            .description("token rows one step of the session operator forwards, at most: answers first, then prefill chunks "
                    + "first come first served until the next would pass N (a chunk larger than N runs alone); bounds a step's "
                    + "time, so answers and checkpoints do not wait for every session's prefill")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Duration> IDLE_TTL = Setting.seconds("--idle-ttl")
            .defaultValue(() -> Duration.ZERO, "0")
            .description("drop a session idle this long, saying so on the memory topic; 0 = never")
            .check(d -> !d.isNegative(), "must be >= 0 (0 = never)");
    public static final Setting<String> TOPIC_PREFIX = Setting.text("--topic-prefix", "NAME")
            .defaultValue("longstream")
            .description("topics are NAME.events, NAME.answers, NAME.memory, NAME.rejects");
    public static final Setting<Integer> MAX_TEXT_BYTES = Setting.integer("--max-text-bytes", "N")
            .defaultValue(EventLimits.DEFAULT_MAX_TEXT_BYTES)
            .description("longest text an event may carry; a longer one goes to rejects")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Integer> MAX_NEW_TOKENS = Setting.integer("--max-new-tokens", "N")
            .defaultValue(EventLimits.DEFAULT_MAX_NEW_TOKENS)
            .description("most new tokens a query may ask for")
            .check(n -> n >= 1, "must be >= 1");

    public static final Setting<String> BOOTSTRAP = Setting.text("--bootstrap", "HOST:PORT")
            .description("Kafka bootstrap servers");
    public static final Setting<String> GROUP_ID = Setting.text("--group-id", "ID")
            .defaultValue("longstream")
            .description("consumer group of the events source");
    public static final Setting<String> TRANSACTIONAL_ID_PREFIX = Setting.text("--transactional-id-prefix", "ID")
            .defaultValue("longstream")
            .description("prefix of the sinks' transactional ids: unique per job, stable across its restarts");
    public static final Setting<Integer> PARTITIONS = Setting.integer("--partitions", "N")
            .defaultValue(4)
            .description("partitions of the events topic if it must be created")
            .check(n -> n >= 1, "must be >= 1");
    public static final Setting<Integer> REPLICATION = Setting.integer("--replication", "N")
            .defaultValue(1)
            .description("replication of the topics it creates")
            .check(n -> n >= 1 && n <= Short.MAX_VALUE, "must be in 1.." + Short.MAX_VALUE);
    public static final Setting<String> CHECKPOINTS = Setting.text("--checkpoints", "DIR|URI")
            .description("checkpoint and savepoint folder, or a URI every Flink process can write (s3://..., hdfs://...). "
                    + "run: default ./longstream-checkpoints. Under flink run: default the cluster's execution.checkpointing.dir; "
                    + "when given, it sets execution.checkpointing.dir and execution.checkpointing.savepoint-dir for this job");
    public static final Setting<String> FROM_SAVEPOINT = Setting.text("--from-savepoint", "PATH")
            .description("start from this savepoint or retained checkpoint. Under flink run it is the same as "
                    + "flink run -s PATH (it sets execution.savepoint.path for this job); when both are given, this one wins");
    public static final Setting<String> JOB_NAME = Setting.text("--job-name", "NAME")
            .defaultValue("longstream")
            .description("the job's name on the cluster");

    public static final Setting<Duration> TIMEOUT = Setting.seconds("--timeout")
            .defaultValue(() -> BrokerTimeout.DEFAULT, Long.toString(BrokerTimeout.DEFAULT.toSeconds()))
            .description("how long to wait to reach the broker and, when producing, for each record to be delivered")
            .check(d -> d.compareTo(Duration.ofSeconds(1)) >= 0 && d.compareTo(Duration.ofHours(1)) <= 0,
                    "must be between 1 and 3600 seconds");
    public static final Setting<Duration> DEMO_TIMEOUT = Setting.seconds("--timeout")
            .defaultValue(() -> Duration.ofMinutes(10), "600")
            .description("give up when the stream has not played out by then")
            .check(d -> d.compareTo(Duration.ofSeconds(1)) >= 0, "must be >= 1");

    /** What running a model takes. */
    public static final List<Setting<?>> MODEL_RUN = List.of(MODEL.required(), BACKEND, THREADS, GPU, GPU_CACHE_FRACTION, CHUNK,
            CACHE_DTYPE);
    /** What running a model under a cache policy takes. */
    public static final List<Setting<?>> POLICY_RUN = List.of(MODEL.required(), BACKEND, THREADS, GPU, GPU_CACHE_FRACTION, CHUNK,
            CACHE_DTYPE, POLICY, BUDGET);
    /** What the pipeline takes wherever it runs (the model checked with the pipeline, since the demo has its own). */
    public static final List<Setting<?>> PIPELINE = List.of(MODEL, BACKEND, THREADS, GPU, GPU_CACHE_FRACTION, CHUNK, CACHE_DTYPE,
            POLICY, BUDGET, PARALLELISM, MAX_PARALLELISM, CHECKPOINT_INTERVAL, DECODE_BLOCK, MAX_BATCH, MAX_BATCH_TOKENS, IDLE_TTL,
            TOPIC_PREFIX, MAX_TEXT_BYTES, MAX_NEW_TOKENS);
    /** What a job on a Kafka cluster takes besides the pipeline: the broker, its topics, its state. */
    public static final List<Setting<?>> KAFKA_JOB = List.of(BOOTSTRAP.required(), GROUP_ID, TRANSACTIONAL_ID_PREFIX, PARTITIONS,
            REPLICATION, CHECKPOINTS, FROM_SAVEPOINT);
    /** What a client of the broker takes. */
    public static final List<Setting<?>> BROKER = List.of(BOOTSTRAP.required(), TIMEOUT);

    /** The table, in the reference's order. */
    public static final List<Setting<?>> ALL = List.of(MODEL, BACKEND, THREADS, GPU, GPU_CACHE_FRACTION, CHUNK, CACHE_DTYPE,
            POLICY, BUDGET, KEPT, PARALLELISM, MAX_PARALLELISM, CHECKPOINT_INTERVAL, DECODE_BLOCK, MAX_BATCH, MAX_BATCH_TOKENS, IDLE_TTL,
            TOPIC_PREFIX, MAX_TEXT_BYTES, MAX_NEW_TOKENS,
            BOOTSTRAP, GROUP_ID, TRANSACTIONAL_ID_PREFIX, PARTITIONS, REPLICATION, CHECKPOINTS, FROM_SAVEPOINT, JOB_NAME, TIMEOUT,
            DEMO_TIMEOUT);

    /** The backend of {@code --backend}, {@code --threads}, {@code --gpu} and {@code --gpu-cache-fraction}. */
    public static Backend backend(SettingValues values) {
        return values.get(BACKEND) == Backend.Kind.CPU ? Backend.cpu(values.get(THREADS))
                : Backend.cuda(values.get(GPU), values.get(GPU_CACHE_FRACTION));
    }

    /**
     * As {@link #backend(SettingValues)}, for a command that runs the model on this machine: one that cannot run here
     * fails now, naming the option and why.
     *
     * @throws IllegalArgumentException where the backend cannot run here
     */
    public static Backend backendHere(SettingValues values) {
        Backend backend = backend(values);
        String reason = backend.unavailableReason();
        if (reason != null) {
            throw new IllegalArgumentException(BACKEND.name() + " " + backend.kind() + ": " + reason);
        }
        return backend;
    }

    /** The job's policy: {@code --policy} with {@code --budget} where the spec sets no budget itself. */
    public static PolicySpec policy(SettingValues values) {
        return values.get(POLICY).withDefaultBudget(values.get(BUDGET));
    }

    /**
     * An evaluation's policy: with {@code --kept K}, {@code --policy} at the budget that keeps K entries with c* =
     * {@code --chunk} on a model of {@code layers}; else {@link #policy}.
     *
     * @throws IllegalArgumentException when --kept comes with a budget, or no budget keeps K with that chunk
     */
    public static PolicySpec policyAtKept(SettingValues values, int layers) {
        int kept = values.get(KEPT);
        if (kept == 0) {
            return policy(values);
        }
        if (policy(values).budget() != 0) {
            throw new IllegalArgumentException("--kept sets the budget: give it without --budget or a budget= in --policy");
        }
        try {
            return KeptEntries.budgetFor(values.get(POLICY), layers, values.get(CHUNK), kept);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--kept " + kept + ": " + e.getMessage(), e);
        }
    }
}
