package io.longstream.jobs.bench;

import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.io.OutputConsumer;
import io.longstream.jobs.io.OutputRecord;
import io.longstream.jobs.io.RejectedBytes;
import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.jobs.local.LocalJob;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.UndecodableRecordException;
import io.longstream.schemas.WireDecoder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.util.FileUtils;

/**
 * Plays generated sessions through the real pipeline in this JVM: an embedded Kafka broker, a Flink MiniCluster with
 * RocksDB, the job graph. A warm-up session goes first and is answered before the clock starts (model load, first
 * checkpoint, compiled kernels); then every event is produced at once, and each query's time to answer is measured
 * from its send to its answer's arrival on the read_committed answers topic.
 */
final class PipelineRun {
    /** What came out: answers (token ids by query key), the client's times, and the tokens the sessions ingested. */
    record Result(double seconds, List<Double> answerMillis, Map<String, int[]> answers, long ingestedTokens, int rejected) {
    }

    private final WireDecoder<SessionEvent> eventDecoder = WireDecoder.forReleased(SessionEvent.class);
    private final PrintStream log;

    PipelineRun(PrintStream log) {
        this.log = log;
    }

    /** @throws IllegalStateException when the queries are not all answered or rejected within {@code timeout} */
    Result run(PipelineSettings settings, BenchSessions warmup, BenchSessions work, Duration timeout) throws Exception {
        Path dir = Files.createTempDirectory("longstream-bench-pipeline-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            settings.bootstrap = kafka.bootstrapServers();
            TopicSetup.ensure(settings.bootstrap, settings.topics, Math.max(2, settings.parallelism), (short) 1);
            LocalJob job = LocalJob.start(settings, dir.resolve("checkpoints"), null, "longstream-bench-pipeline");
            try (EventProducer producer = new EventProducer(settings.bootstrap, settings.topics.events);
                 OutputConsumer outputs = OutputConsumer.ofAll(settings.bootstrap, settings.topics)) {
                long deadline = System.nanoTime() + timeout.toNanos();
                log.println("pipeline: warming up (model load, first checkpoint) ...");
                play(warmup, producer, outputs, deadline);
                log.printf("pipeline: playing %d events of %d queries ...%n", work.events().size(), work.queries());
                Tally tally = play(work, producer, outputs, deadline);
                // the memory updates of the last chunks may be committed a moment after the answers
                drain(outputs, tally, settings.checkpointInterval.plusSeconds(1));
                return new Result(tally.seconds(), tally.millis, tally.answers, tally.ingested(), tally.rejected);
            } finally {
                job.client().cancel().get();
            }
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    /** The outputs of one play: answers and rejections by query, and each session's latest figure of tokens ingested. */
    private static final class Tally {
        final Set<String> sessions = new HashSet<>();
        final Map<String, Long> sentAt = new HashMap<>();
        final Map<String, int[]> answers = new HashMap<>();
        final List<Double> millis = new ArrayList<>();
        final Map<String, Long> ingestedBySession = new HashMap<>();
        int rejected;
        long start;
        long end;

        double seconds() {
            return (end - start) / 1e9;
        }

        long ingested() {
            return ingestedBySession.values().stream().mapToLong(Long::longValue).sum();
        }

        boolean waiting() {
            return !sentAt.isEmpty();
        }
    }

    private Tally play(BenchSessions work, EventProducer producer, OutputConsumer outputs, long deadline) {
        Tally tally = new Tally();
        tally.start = System.nanoTime();
        for (SessionEvent e : work.events()) {
            tally.sessions.add(e.getSessionId());
            if (e.getPayload() instanceof Query) {
                tally.sentAt.put(BenchSessions.key(e.getSessionId(), ((Query) e.getPayload()).getQueryId()), System.nanoTime());
            }
            producer.send(e);
        }
        producer.flush();
        while (tally.waiting()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pipeline left " + tally.sentAt.size() + " of " + work.queries()
                        + " queries unanswered within --timeout");
            }
            for (OutputRecord r : outputs.poll(Duration.ofMillis(100))) {
                take(r, tally);
            }
        }
        return tally;
    }

    /** Reads on until nothing arrived for {@code quiet}. */
    private void drain(OutputConsumer outputs, Tally tally, Duration quiet) {
        long last = System.nanoTime();
        while (System.nanoTime() - last < quiet.toNanos()) {
            for (OutputRecord r : outputs.poll(Duration.ofMillis(200))) {
                take(r, tally);
                last = System.nanoTime();
            }
        }
    }

    private void take(OutputRecord record, Tally tally) {
        long now = System.nanoTime();
        if (record.value instanceof Answer) {
            Answer a = (Answer) record.value;
            Long sent = tally.sentAt.remove(BenchSessions.key(a.getSessionId(), a.getQueryId()));
            if (sent != null) {
                tally.millis.add((now - sent) / 1e6);
                tally.answers.put(BenchSessions.key(a.getSessionId(), a.getQueryId()),
                        a.getTokenIds().stream().mapToInt(Integer::intValue).toArray());
                tally.end = now;
            }
        } else if (record.value instanceof MemoryUpdate) {
            MemoryUpdate m = (MemoryUpdate) record.value;
            if (tally.sessions.contains(m.getSessionId())) {
                tally.ingestedBySession.merge(m.getSessionId(), m.getTokensIngested(), Math::max);
            }
        } else if (record.value instanceof Rejected) {
            rejected((Rejected) record.value, tally);
        }
    }

    /** A rejected event of this play counts, and a rejected query will get no answer. */
    private void rejected(Rejected rejected, Tally tally) {
        SessionEvent e;
        try {
            e = eventDecoder.decode(RejectedBytes.raw(rejected));
        } catch (UndecodableRecordException notAnEvent) {
            log.println("pipeline: rejected a record that is no event: " + rejected.getReason());
            tally.rejected++;
            return;
        }
        if (!tally.sessions.contains(e.getSessionId())) {
            return;
        }
        log.println("pipeline: rejected " + e.getSessionId() + "/" + e.getEventId() + ": " + rejected.getReason());
        tally.rejected++;
        if (e.getPayload() instanceof Query && tally.sentAt.remove(
                BenchSessions.key(e.getSessionId(), ((Query) e.getPayload()).getQueryId())) != null) {
            tally.end = System.nanoTime();
        }
    }
}
