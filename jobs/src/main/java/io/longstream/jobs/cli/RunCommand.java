package io.longstream.jobs.cli;

import io.longstream.jobs.local.LocalJob;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The pipeline on a local MiniCluster against an existing Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline on an in-process Flink MiniCluster against an existing Kafka cluster, until stopped.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    PipelineOptions pipeline;

    @Mixin
    KafkaJobOptions kafka;

    @Option(names = "--checkpoints", paramLabel = "DIR", description = "checkpoint and savepoint folder (default: ${DEFAULT-VALUE})")
    Path checkpoints = Path.of("longstream-checkpoints");

    @Option(names = "--from-savepoint", paramLabel = "PATH", description = "start from this savepoint or retained checkpoint")
    String savepoint;

    @Option(names = "--partitions", paramLabel = "N", description = "partitions of the events topic if it must be created (default: ${DEFAULT-VALUE})")
    int partitions = 4;

    @Option(names = "--replication", paramLabel = "N", description = "replication of topics it creates (default: ${DEFAULT-VALUE})")
    short replication = 1;

    @Override
    public Integer call() throws Exception {
        PipelineSettings settings = pipeline.settings();
        if (settings.modelDir == null) {
            throw new IllegalArgumentException("--model is required");
        }
        kafka.applyTo(settings);
        settings.check();
        List<String> created = TopicSetup.ensure(settings.bootstrap, settings.topics, partitions, replication);
        if (!created.isEmpty()) {
            System.out.println("created topics " + created);
        }
        LocalJob job = LocalJob.start(settings, checkpoints, savepoint, "longstream");
        System.out.println("running: events from " + settings.topics.events + " at " + settings.bootstrap + "; flink web UI " + job.webUi()
                + "; Ctrl-C stops");
        job.client().getJobExecutionResult().get();
        return 0;
    }
}
