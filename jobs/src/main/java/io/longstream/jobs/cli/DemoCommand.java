package io.longstream.jobs.cli;

import io.longstream.jobs.local.Demo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Kafka, Flink and the job in this process, playing a recorded stream. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a Kafka broker and a Flink MiniCluster in this process, run the pipeline on them, play a",
                "stream of sessions (the shipped sample by default) and print answers and memory figures as they arrive."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    PipelineOptions pipeline;

    @Option(names = "--file", paramLabel = "F.jsonl", description = "the stream to play, JSON lines (default: the shipped sample)")
    Path file;

    @Option(names = "--follow", description = "keep running after the stream, for live input (Ctrl-C stops)")
    boolean follow;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "give up when the stream has not played out by then (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = 600;

    @Override
    public Integer call() throws Exception {
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be >= 1, got " + timeoutSeconds);
        }
        Demo.Options options = new Demo.Options();
        options.pipeline = pipeline.settings();
        options.stream = file;
        options.follow = follow;
        options.timeout = Duration.ofSeconds(timeoutSeconds);
        return new Demo(System.out, System.err).run(options);
    }
}
