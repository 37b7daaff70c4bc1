package io.longstream.jobs.local;

import io.longstream.jobs.io.EventJson;
import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.io.OutputConsumer;
import io.longstream.jobs.io.OutputRecord;
import io.longstream.jobs.io.RejectedBytes;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.UndecodableRecordException;
import io.longstream.schemas.WireDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.util.FileUtils;

/**
 * The local demo: a real Kafka broker and a Flink MiniCluster in this JVM, the pipeline on them, and a
 * recorded stream played as a conversation, with answers and memory figures printed as they arrive.
 */
public final class Demo {
    /** What a demo run is asked to do; the pipeline's own settings travel in {@link #pipeline}. */
    public static final class Options {
        public PipelineSettings pipeline = new PipelineSettings();
        /** A JSON-lines stream; null plays the sample shipped in the jar. */
        public Path stream;
        public boolean follow;
        public Duration timeout = Duration.ofMinutes(10);
    }

    private static final String SAMPLE = "/io/longstream/jobs/demo/sample-stream.jsonl";
    private static final String PRODUCER = "longstream-demo";

    private final PrintStream out;
    private final PrintStream err;

    public Demo(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs the demo; returns 0 when every query was answered or rejected before the timeout. */
    public int run(Options options) throws Exception {
        long start = System.nanoTime();
        List<SessionEvent> events = readStream(options.stream);
        Path work = Files.createTempDirectory("longstream-demo-");
        PipelineSettings settings = options.pipeline;
        Path extracted = settings.modelDir == null ? DemoModel.extract() : null;
        if (extracted != null) {
            settings.modelDir = extracted;
        }
        try (EmbeddedKafka kafka = checkedThenStarted(settings)) {
            settings.bootstrap = kafka.bootstrapServers();
            TopicSetup.ensure(settings.bootstrap, settings.topics, Math.max(2, settings.parallelism), (short) 1);
            out.println("kafka: " + settings.bootstrap + " (in-process KRaft broker; topics " + settings.topics.events + ", "
                    + String.join(", ", settings.topics.outputs()) + ")");
            LocalJob job = LocalJob.start(settings, work.resolve("checkpoints"), null, "longstream-demo");
            out.println("flink web UI: " + job.webUi() + " (model " + settings.modelDir.getFileName() + ", checkpoints in "
                    + work.resolve("checkpoints") + ")");
            try {
                DemoTally tally = new DemoTally();
                boolean finished = play(events, settings, options, tally, start);
                if (!options.follow || !finished) {
                    out.println(tally.summary((System.nanoTime() - start) / 1e9));
                }
                return finished ? 0 : 1;
            } finally {
                job.client().cancel().get();
            }
        } finally {
            FileUtils.deleteDirectory(work.toFile());
            if (extracted != null) {
                FileUtils.deleteDirectory(extracted.getParent().toFile());
            }
        }
    }

    /** Checks every option first, so that a bad one ends the demo before a broker starts. */
    private static EmbeddedKafka checkedThenStarted(PipelineSettings settings) throws Exception {
        settings.checkOptions();
        return EmbeddedKafka.start();
    }

    private boolean play(List<SessionEvent> events, PipelineSettings settings, Options options, DemoTally tally, long start)
            throws IOException {
        WireDecoder<SessionEvent> eventDecoder = WireDecoder.forReleased(SessionEvent.class);
        long deadline = System.nanoTime() + options.timeout.toNanos();
        try (EventProducer producer = new EventProducer(settings.bootstrap, settings.topics.events);
             OutputConsumer outputs = OutputConsumer.ofAll(settings.bootstrap, settings.topics);
             DemoConsole console = new DemoConsole(out, err, "stream", events.size())) {
            ConversationReplay replay = new ConversationReplay(events, producer, PRODUCER);
            events.forEach(e -> tally.sessions.add(e.getSessionId()));
            replay.advance();
            while (!replay.done() && System.nanoTime() < deadline) {
                for (OutputRecord r : outputs.poll(Duration.ofMillis(200))) {
                    console.line(tally.count(r.value));
                    if (r.value instanceof Answer) {
                        replay.answered((Answer) r.value);
                    } else if (r.value instanceof Rejected) {
                        refuse(replay, (Rejected) r.value, eventDecoder);
                    }
                }
                replay.advance();
                console.progress(replay.sent(), replay.sent() + replay.remaining());
            }
            if (replay.done()) {
                drain(outputs, console, tally, settings.checkpointInterval);
            }
            tally.events = replay.sent();
            if (!replay.done()) {
                console.line("timed out after " + options.timeout.toSeconds() + " s with " + replay.remaining() + " events still to play");
                return false;
            }
            if (options.follow) {
                console.close();
                // the sample's summary now: following only ends with the JVM
                out.println(tally.summary((System.nanoTime() - start) / 1e9));
                follow(outputs, settings, tally);
            }
            return true;
        }
    }

    /**
     * Reads on until nothing arrived for a checkpoint interval and a second: outputs of the last steps
     * (a memory update committed by its sink a moment after the answer) belong in the summary.
     */
    private static void drain(OutputConsumer outputs, DemoConsole console, DemoTally tally, Duration checkpointInterval) {
        long quietNanos = checkpointInterval.plusSeconds(1).toNanos();
        long lastArrival = System.nanoTime();
        while (System.nanoTime() - lastArrival < quietNanos) {
            for (OutputRecord r : outputs.poll(Duration.ofMillis(200))) {
                console.line(tally.count(r.value));
                lastArrival = System.nanoTime();
            }
        }
    }

    /** Prints outputs until the JVM is stopped (Ctrl-C), for events produced by anyone. */
    private void follow(OutputConsumer outputs, PipelineSettings settings, DemoTally tally) {
        out.println("following: produce events to " + settings.bootstrap + " topic " + settings.topics.events
                + " (./longstream produce --bootstrap " + settings.bootstrap + " --file F.jsonl); Ctrl-C stops");
        while (!Thread.currentThread().isInterrupted()) {
            for (OutputRecord r : outputs.poll(Duration.ofMillis(500))) {
                out.println(tally.count(r.value));
            }
        }
    }

    private static void refuse(ConversationReplay replay, Rejected rejected, WireDecoder<SessionEvent> decoder) {
        try {
            SessionEvent e = decoder.decode(RejectedBytes.raw(rejected));
            if (e.getPayload() instanceof Query) {
                replay.refused(e.getSessionId(), ((Query) e.getPayload()).getQueryId());
            }
        } catch (UndecodableRecordException notAnEvent) {
            // a record that never was an event answers no query
        }
    }

    private static List<SessionEvent> readStream(Path file) throws IOException {
        EventJson json = new EventJson(PRODUCER);
        if (file != null) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                return json.readAll(in);
            }
        }
        try (InputStream in = Demo.class.getResourceAsStream(SAMPLE)) {
            return json.readAll(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }
}
