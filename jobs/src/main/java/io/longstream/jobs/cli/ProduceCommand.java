package io.longstream.jobs.cli;

import io.longstream.jobs.io.EventJson;
import io.longstream.jobs.io.EventProducer;
import io.longstream.schemas.SessionEvent;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Sends a JSON-lines stream of session events to the events topic. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send the session events of a JSON-lines file to Kafka, Avro single-object encoded, keyed by session.")
final class ProduceCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--file", required = true, paramLabel = "F.jsonl", description = "events, one JSON object per line")
    Path file;

    @Option(names = "--topic", paramLabel = "NAME", description = "(default: ${DEFAULT-VALUE})")
    String topic = "longstream.events";

    @Override
    public Integer call() throws IOException {
        List<SessionEvent> events;
        // every line is parsed before the first is sent: a bad file sends nothing
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            events = new EventJson("longstream-produce").readAll(in);
        }
        try (EventProducer producer = new EventProducer(bootstrap, topic)) {
            events.forEach(producer::send);
            producer.flush();
        }
        System.out.println("produced " + events.size() + " events to " + topic);
        return 0;
    }
}
