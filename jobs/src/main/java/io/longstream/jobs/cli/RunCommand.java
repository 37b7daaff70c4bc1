package io.longstream.jobs.cli;

import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.local.LocalJob;
import io.longstream.jobs.pipeline.PipelineSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The pipeline on a local MiniCluster against an existing Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = "Run the pipeline on an in-process Flink MiniCluster against an existing Kafka cluster, until stopped.")
final class RunCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(Settings.PIPELINE);
        settings.addAll(Settings.KAFKA_JOB);
        return settings;
    }

    @Override
    public Integer call() throws Exception {
        // every option is checked before Kafka is contacted
        SettingValues values = SettingValues.of(spec, settings());
        PipelineSettings settings = new PipelineSettings(values).checkHere();
        String checkpoints = JobSetup.checkpointsUri(values, Path.of("longstream-checkpoints"));
        JobSetup.ensureTopics(settings, values);
        LocalJob job = LocalJob.start(settings, checkpoints, values.get(Settings.FROM_SAVEPOINT), "longstream");
        System.out.println("running: events from " + settings.topics.events + " at " + settings.bootstrap + "; flink web UI " + job.webUi()
                + "; Ctrl-C stops");
        job.client().getJobExecutionResult().get();
        return 0;
    }
}
