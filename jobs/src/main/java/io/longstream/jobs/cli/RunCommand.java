package io.longstream.jobs.cli;

import io.longstream.jobs.local.LocalJob;
import io.longstream.jobs.pipeline.PipelineSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The pipeline on a local MiniCluster against an existing Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline on an in-process Flink MiniCluster against an existing Kafka cluster, until stopped.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    PipelineOptions pipeline;

    @Mixin
    KafkaJobOptions kafka;

    @Mixin
    StateOptions state;

    @Override
    public Integer call() throws Exception {
        PipelineSettings settings = pipeline.settings();
        kafka.applyTo(settings);
        String checkpoints = state.checkpointsUri(Path.of("longstream-checkpoints"));
        // every option is checked before Kafka is contacted
        settings.check();
        kafka.ensureTopics(settings);
        LocalJob job = LocalJob.start(settings, checkpoints, state.savepoint, "longstream");
        System.out.println("running: events from " + settings.topics.events + " at " + settings.bootstrap + "; flink web UI " + job.webUi()
                + "; Ctrl-C stops");
        job.client().getJobExecutionResult().get();
        return 0;
    }
}
