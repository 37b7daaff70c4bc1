package io.longstream.jobs.io;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/** What became of a stream's events once sent: how many the broker acknowledged, and why each other was lost. */
public final class Delivery {
    public final int acknowledged;
    /** One line per event not delivered: its line number and the reason. */
    public final List<String> failures;

    private Delivery(int acknowledged, List<String> failures) {
        this.acknowledged = acknowledged;
        this.failures = failures;
    }

    /** Sends every event in order and waits for each one's acknowledgement or failure (bounded by the producer's timeout). */
    public static Delivery send(EventProducer producer, List<EventLine> lines) throws InterruptedException {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        lines.forEach(line -> sent.add(producer.send(line.event)));
        int acknowledged = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            try {
                sent.get(i).get();
                acknowledged++;
            } catch (ExecutionException e) {
                failures.add("line " + lines.get(i).number + ": not delivered: " + e.getCause().getMessage());
            }
        }
        return new Delivery(acknowledged, failures);
    }
}
