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
 * pipeline on the cluster that runs it, with the options of {@code longstream run}; the state backend, and
 * unless given the checkpoint folder and savepoint, are the cluster's.
 */
@Command(name = "longstream-job", mixinStandardHelpOptions = true,
        description = {"Submit the Longstream pipeline to the Flink cluster this runs under (flink run), creating missing topics.",
            "The model folder (--model) must exist at the same path on the client and on every TaskManager."})
public final class LongstreamJob implements Callable<Integer> {
    @Mixin
    PipelineOptions pipeline;

    @Mixin
    KafkaJobOptions kafka;

    @Mixin
    StateOptions state;

    @Option(names = "--job-name", paramLabel = "NAME", description = "(default: ${DEFAULT-VALUE})")
    String jobName = "longstream";

    public static void main(String[] args) {
        int exit = commandLine().execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /** The job's command line with the error handling users see: one line naming what is wrong. */
    public static CommandLine commandLine() {
        return LongstreamCli.withErrorHandling(new CommandLine(new LongstreamJob()));
    }

    @Override
    public Integer call() throws Exception {
        PipelineSettings settings = pipeline.settings();
        kafka.applyTo(settings);
        String checkpoints = state.checkpointsUri(null);
        // every option is checked before Kafka is contacted or anything is submitted
        settings.check();
        kafka.ensureTopics(settings);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                FlinkSettings.forJob(settings.checkpointInterval, checkpoints, state.savepoint));
        SessionPipeline.build(env, settings);
        env.execute(jobName);
        return 0;
    }
}
