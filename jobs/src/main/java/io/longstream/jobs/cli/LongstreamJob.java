package io.longstream.jobs.cli;

import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.SessionPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The job jar's entry point, for {@code flink run longstream-job.jar --bootstrap ... --model DIR}: the
 * pipeline on the cluster that runs it, with the options of {@code longstream run}; the state backend, and
 * unless given the checkpoint folder and savepoint, are the cluster's.
 */
@Command(name = "longstream-job", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Submit the Longstream pipeline to the Flink cluster this runs under (flink run), creating missing topics.",
            "The model folder (--model) must exist at the same path on the client and on every TaskManager."})
public final class LongstreamJob implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

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
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(Settings.PIPELINE);
        settings.addAll(Settings.KAFKA_JOB);
        settings.add(Settings.JOB_NAME);
        return settings;
    }

    @Override
    public Integer call() throws Exception {
        // every option is checked before Kafka is contacted or anything is submitted
        SettingValues values = SettingValues.of(spec, settings());
        PipelineSettings settings = new PipelineSettings(values).check();
        String checkpoints = JobSetup.checkpointsUri(values, null);
        JobSetup.ensureTopics(settings, values);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                FlinkSettings.forJob(settings.checkpointInterval, checkpoints, values.get(Settings.FROM_SAVEPOINT)));
        SessionPipeline.build(env, settings);
        env.execute(values.get(Settings.JOB_NAME));
        return 0;
    }
}
