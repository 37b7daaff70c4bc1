package io.longstream.jobs.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * The Flink configuration the pipeline runs with: RocksDB state, incremental exactly-once
 * checkpoints in a local or remote folder, and no Kryo (state is Avro, POJO or bytes).
 */
public final class FlinkSettings {
    private FlinkSettings() {
    }

    /**
     * The local runner's configuration: the job's own ({@link #forJob}) on RocksDB with incremental checkpoints.
     *
     * @param checkpoints where checkpoints and savepoints go (a folder URI such as file:///...)
     * @param restoreFrom a savepoint or retained checkpoint to start from, or null
     */
    public static Configuration of(String checkpoints, Duration interval, String restoreFrom) {
        Configuration conf = forJob(interval, checkpoints, restoreFrom);
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        return conf;
    }

    /**
     * What the job itself sets on any cluster: exactly-once checkpoints at {@code interval}, no Kryo, and,
     * when given, where its checkpoints and savepoints go and the savepoint it starts from. Otherwise those,
     * like the state backend, are the cluster's (its config.yaml, see deploy/; {@code flink run -s}).
     *
     * @param checkpoints a folder URI (file:///..., s3://...), or null
     * @param restoreFrom a savepoint or retained checkpoint, or null
     */
    public static Configuration forJob(Duration interval, String checkpoints, String restoreFrom) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        if (checkpoints != null) {
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
            conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, checkpoints);
        }
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        return conf;
    }

    public static String uri(Path folder) {
        return folder.toAbsolutePath().toUri().toString();
    }
}
