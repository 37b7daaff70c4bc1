package io.longstream.jobs.cli;

import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.SessionPipeline;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The job jar's entry point, for {@code flink run longstream-job.jar --bootstrap ... --model DIR}: the
 * pipeline on the cluster that runs it, with the cluster's state backend and checkpoint storage.
 */
@Command(name = "longstream-job", mixinStandardHelpOptions = true,
        description = "Submit the Longstream pipeline to the Flink cluster this runs under (flink run).")
public final class LongstreamJob implements Callable<Integer> {
    @Mixin
    PipelineOptions pipeline;

    @Mixin
    KafkaJobOptions kafka;

    @Option(names = "--job-name", paramLabel = "NAME", description = "(default: ${DEFAULT-VALUE})")
    String jobName = "longstream";

    public static void main(String[] args) {
        int exit = LongstreamCli.withErrorHandling(new CommandLine(new LongstreamJob())).execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    @Override
    public Integer call() throws Exception {
        PipelineSettings settings = pipeline.settings();
        kafka.applyTo(settings);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.forJob(settings.checkpointInterval));
        SessionPipeline.build(env, settings);
        env.execute(jobName);
        return 0;
    }
}
