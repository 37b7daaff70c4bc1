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
        description = {"Play a stream of sessions through Kafka and Flink in this process, printing answers as they arrive.",
                "Starts a Kafka broker and a Flink MiniCluster in this process, runs the pipeline on them, plays the stream",
                "(the shipped sample by default) as a conversation and prints each query with its answer, a line per event",
                "taken into memory, and progress on stderr."})
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
        return new Demo(System.out, System.err, Boolean.getBoolean(LongstreamCli.STDERR_IS_TERMINAL)).run(options);
    }
}
