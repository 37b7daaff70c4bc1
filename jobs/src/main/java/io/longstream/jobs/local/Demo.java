package io.longstream.jobs.local;

import io.longstream.jobs.config.Settings;
import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.io.OutputConsumer;
import io.longstream.jobs.io.OutputRecord;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import java.io.IOException;
import java.io.PrintStream;
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
        /** A JSON-lines stream; null plays the generated sample ({@link DemoStream#SAMPLE}). */
        public Path stream;
        public boolean follow;
        public Duration timeout = Settings.DEMO_TIMEOUT.defaultValue();
    }

    private static final String PRODUCER = "longstream-demo";

    private final PrintStream out;
    private final PrintStream err;
    private final boolean errIsTerminal;

    /** {@code errIsTerminal}: whether {@code err} is a terminal, where progress is drawn in place rather than logged in lines. */
    public Demo(PrintStream out, PrintStream err, boolean errIsTerminal) {
        this.out = out;
        this.err = err;
        this.errIsTerminal = errIsTerminal;
    }

    /** Runs the demo; returns 0 when every query was answered or rejected before the timeout. */
    public int run(Options options) throws Exception {
        long start = System.nanoTime();
        DemoStream stream = options.stream == null ? DemoStream.sample(PRODUCER) : DemoStream.read(options.stream, PRODUCER);
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
                DemoTally tally = new DemoTally(stream.scoredQueries());
                boolean finished = play(stream, settings, options, tally, start);
                if (!options.follow || !finished) {
                    summarise(tally, start);
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
        settings.checkHere();
        return EmbeddedKafka.start();
    }

    private boolean play(DemoStream stream, PipelineSettings settings, Options options, DemoTally tally, long start)
            throws IOException {
        long deadline = System.nanoTime() + options.timeout.toNanos();
        List<SessionEvent> events = stream.events();
        DemoProgress progress = new DemoProgress();
        DemoOutputs shown = new DemoOutputs(stream, tally, progress);
        try (EventProducer producer = new EventProducer(settings.bootstrap, settings.topics.events);
             OutputConsumer outputs = OutputConsumer.ofAll(settings.bootstrap, settings.topics);
             DemoConsole console = new DemoConsole(out, err, errIsTerminal, progress, DemoConsole.PLAIN_EVERY)) {
            ConversationReplay replay = new ConversationReplay(events, producer, PRODUCER);
            events.forEach(e -> tally.sessions.add(e.getSessionId()));
            // the total counts an answer sent back for every query: known before the first send, so it does not jump
            progress.events(0, replay.remaining());
            replay.advance();
            while (!replay.done() && System.nanoTime() < deadline) {
                for (OutputRecord r : outputs.poll(Duration.ofMillis(200))) {
                    shown.take(r.value, console::line);
                    if (r.value instanceof Answer) {
                        replay.answered((Answer) r.value);
                    } else if (r.value instanceof Rejected) {
                        shown.refusedQuery((Rejected) r.value).ifPresent(q -> replay.refused(q.getSessionId(), queryId(q)));
                    }
                }
                replay.advance();
                progress.events(replay.sent(), replay.sent() + replay.remaining());
                console.progress(System.nanoTime());
            }
            if (replay.done()) {
                drain(outputs, console, shown, settings.checkpointInterval);
            }
            tally.events = replay.sent();
            if (!replay.done()) {
                console.line("timed out after " + options.timeout.toSeconds() + " s with " + replay.remaining() + " events still to play");
                return false;
            }
            if (options.follow) {
                console.close();
                // the sample's summary now: following only ends with the JVM
                summarise(tally, start);
                follow(outputs, settings, shown);
            }
            return true;
        }
    }

    private void summarise(DemoTally tally, long start) {
        out.println(tally.summary((System.nanoTime() - start) / 1e9));
    }

    /**
     * Reads on until nothing arrived for a checkpoint interval and a second: outputs of the last steps
     * (a memory update committed by its sink a moment after the answer) belong in the summary.
     */
    private static void drain(OutputConsumer outputs, DemoConsole console, DemoOutputs shown, Duration checkpointInterval) {
        long quietNanos = checkpointInterval.plusSeconds(1).toNanos();
        long lastArrival = System.nanoTime();
        while (System.nanoTime() - lastArrival < quietNanos) {
            for (OutputRecord r : outputs.poll(Duration.ofMillis(200))) {
                shown.take(r.value, console::line);
                lastArrival = System.nanoTime();
            }
            console.progress(System.nanoTime());
        }
    }

    /** Prints outputs until the JVM is stopped (Ctrl-C), for events produced by anyone. */
    private void follow(OutputConsumer outputs, PipelineSettings settings, DemoOutputs shown) {
        out.println("following: produce events to " + settings.bootstrap + " topic " + settings.topics.events
                + " (./longstream produce --bootstrap " + settings.bootstrap + " --file F.jsonl); Ctrl-C stops");
        while (!Thread.currentThread().isInterrupted()) {
            for (OutputRecord r : outputs.poll(Duration.ofMillis(500))) {
                shown.take(r.value, out::println);
            }
        }
    }

    private static String queryId(SessionEvent query) {
        return ((Query) query.getPayload()).getQueryId();
    }
}
