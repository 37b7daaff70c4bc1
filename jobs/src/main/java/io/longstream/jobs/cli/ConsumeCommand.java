package io.longstream.jobs.cli;

import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.io.OutputConsumer;
import io.longstream.jobs.io.OutputLines;
import io.longstream.jobs.io.OutputRecord;
import io.longstream.jobs.pipeline.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints an output topic from its beginning. */
@Command(name = "consume", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = "Print the records of an output topic (answers, memory or rejects) from its beginning.")
final class ConsumeCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--topic", required = true, paramLabel = "NAME", description = "answers, memory, rejects, or a full topic name")
    String topic;

    @Option(names = "--format", paramLabel = "FORMAT", description = "json (one Avro JSON object per line, default) or text "
            + "(one line per answer, reject, and memory update that takes its events in or changes the session)")
    String format = "json";

    @Option(names = "--max", paramLabel = "N", description = "stop after N records (default: never)")
    long max = Long.MAX_VALUE;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "stop when nothing arrived for SECONDS, counted once the topic's partitions are read (default: never)")
    long idleSeconds;

    @Option(names = "--read-uncommitted", description = "also show records of open or aborted transactions")
    boolean readUncommitted;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(Settings.BROKER);
        settings.add(Settings.TOPIC_PREFIX);
        return settings;
    }

    @Override
    public Integer call() {
        SettingValues values = SettingValues.of(spec, settings());
        if (!format.equals("json") && !format.equals("text")) {
            throw new IllegalArgumentException("--format must be json or text, got " + format);
        }
        if (idleSeconds < 0) {
            throw new IllegalArgumentException("--idle-timeout must be >= 0, got " + idleSeconds);
        }
        Duration timeout = values.get(Settings.TIMEOUT);
        Topics topics = Topics.withPrefix(values.get(Settings.TOPIC_PREFIX));
        String name = topics.resolve(topic);
        long seen = 0;
        try (OutputConsumer consumer = new OutputConsumer(values.get(Settings.BOOTSTRAP), topics, List.of(name), !readUncommitted, timeout)) {
            // the consumer holds its partitions and knows where to start: idle time counts from here
            long idleSince = System.nanoTime();
            while (seen < max && (idleSeconds == 0 || System.nanoTime() - idleSince < idleSeconds * 1_000_000_000L)) {
                for (OutputRecord r : consumer.poll(Duration.ofMillis(500))) {
                    if (format.equals("json")) {
                        System.out.println(r.value.toString());
                    } else if (!OutputLines.isProgressOnly(r.value)) {
                        System.out.println(OutputLines.describe(r.value));
                    }
                    idleSince = System.nanoTime();
                    if (++seen == max) {
                        break;
                    }
                }
            }
        }
        return 0;
    }
}
