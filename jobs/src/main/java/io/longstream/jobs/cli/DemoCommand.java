package io.longstream.jobs.cli;

import io.longstream.jobs.local.Demo;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.pipeline.PipelineSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Kafka, Flink and the job in this process, playing a recorded stream. */
@Command(name = "demo", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Play a stream of sessions through Kafka and Flink in this process, printing answers as they arrive.",
                "Starts a Kafka broker and a Flink MiniCluster in this process, runs the pipeline on them (with the trained",
                "demo model by default), plays the stream (three generated sample conversations by default) as a conversation",
                "and prints each query with its answer (beside the expected one, where the stream has it), a line per event",
                "taken into memory, and progress on stderr; the summary counts the correct answers."})
final class DemoCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--file", paramLabel = "F.jsonl", description = "the stream to play, JSON lines (default: the generated sample)")
    Path file;

    @Option(names = "--follow", description = "keep running after the stream, for live input (Ctrl-C stops)")
    boolean follow;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(Settings.PIPELINE);
        settings.add(Settings.DEMO_TIMEOUT);
        return settings;
    }

    @Override
    public Integer call() throws Exception {
        SettingValues values = SettingValues.of(spec, settings());
        Demo.Options options = new Demo.Options();
        options.pipeline = new PipelineSettings(values);
        options.stream = file;
        options.follow = follow;
        options.timeout = values.get(Settings.DEMO_TIMEOUT);
        return new Demo(System.out, System.err, Boolean.getBoolean(LongstreamCli.STDERR_IS_TERMINAL)).run(options);
    }
}
