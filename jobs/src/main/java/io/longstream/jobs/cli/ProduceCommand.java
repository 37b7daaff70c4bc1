package io.longstream.jobs.cli;

import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.io.Delivery;
import io.longstream.jobs.io.EventJson;
import io.longstream.jobs.io.EventLine;
import io.longstream.jobs.io.EventProducer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Sends a JSON-lines stream of session events to the events topic. */
@Command(name = "produce", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Send the session events of a JSON-lines file to Kafka, Avro single-object encoded, keyed by session.",
                "Every line is checked (JSON, fields, size against the topic's limit) before the first is sent; every send",
                "is checked: an event not delivered is named by its line, with the broker's reason, and the exit code is 1.",
                "An event id (\"event\") defaults to the file's fingerprint and the line number, so files do not share ids;",
                "an id used twice for one session in a file is refused. The pipeline does not deduplicate by id: an event",
                "sent twice (the same file produced again) is ingested twice."})
final class ProduceCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--file", required = true, paramLabel = "F.jsonl", description = "events, one JSON object per line")
    Path file;

    @Option(names = "--topic", paramLabel = "NAME", description = "(default: ${DEFAULT-VALUE})")
    String topic = "longstream.events";

    @Override
    public List<Setting<?>> settings() {
        return Settings.BROKER;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        SettingValues values = SettingValues.of(spec, settings());
        Duration timeout = values.get(Settings.TIMEOUT);
        List<EventLine> lines;
        // every line is parsed before the first is sent: a bad file sends nothing
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            lines = new EventJson("longstream-produce").readLines(in);
        }
        Delivery delivery;
        try (EventProducer producer = new EventProducer(values.get(Settings.BOOTSTRAP), topic, timeout)) {
            for (EventLine line : lines) {
                String oversize = producer.oversize(line.event);
                if (oversize != null) {
                    throw new IllegalArgumentException("line " + line.number + ": " + oversize + "; nothing was sent");
                }
            }
            delivery = Delivery.send(producer, lines);
        }
        System.out.println("produced " + delivery.acknowledged + " events to " + topic);
        if (!delivery.failures.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            delivery.failures.forEach(err::println);
            err.println("error: " + delivery.failures.size() + " of " + lines.size() + " events were not delivered");
            return 1;
        }
        return 0;
    }
}
