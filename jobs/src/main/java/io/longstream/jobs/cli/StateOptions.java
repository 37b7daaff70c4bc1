package io.longstream.jobs.cli;

import io.longstream.jobs.pipeline.FlinkSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a job keeps its checkpoints and savepoints, and the one it starts from. */
final class StateOptions {
    @Option(names = "--checkpoints", paramLabel = "DIR|URI",
            description = "checkpoint and savepoint folder, or a URI every Flink process can write (s3://..., hdfs://...). "
                    + "run: default ./longstream-checkpoints. Under flink run: default the cluster's execution.checkpointing.dir; "
                    + "when given, it sets execution.checkpointing.dir and execution.checkpointing.savepoint-dir for this job.")
    String checkpoints;

    @Option(names = "--from-savepoint", paramLabel = "PATH",
            description = "start from this savepoint or retained checkpoint. Under flink run it is the same as "
                    + "flink run -s PATH (it sets execution.savepoint.path for this job); when both are given, this one wins.")
    String savepoint;

    /** The checkpoint folder as a URI, a plain path made absolute; {@code fallback} when none was given. */
    String checkpointsUri(Path fallback) {
        if (checkpoints == null) {
            return fallback == null ? null : FlinkSettings.uri(fallback);
        }
        if (checkpoints.isBlank()) {
            throw new IllegalArgumentException("--checkpoints is empty");
        }
        // a scheme (file:, s3:, hdfs:) is kept as given; anything else is a local folder
        return checkpoints.matches("[A-Za-z][A-Za-z0-9+.-]*:/.*") ? checkpoints : FlinkSettings.uri(Path.of(checkpoints));
    }
}
