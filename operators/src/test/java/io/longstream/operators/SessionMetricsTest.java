package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireEncoder;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;
import org.apache.flink.streaming.api.functions.source.legacy.SourceFunction;
import org.junit.jupiter.api.Test;

/**
 * The session operator's metrics on a Flink MiniCluster with RocksDB, two subtasks, the real model: a metric reporter
 * sees counters that add up to what the input implies and to what the job sent.
 */
class SessionMetricsTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    /** B = 128, C = 64: c* = 64, so a query of 100 new tokens is refused and documents of a few hundred tokens evict. */
    private static final int BUDGET = 128;
    private static final int CHUNK = 64;
    private static final String[] TEXTS = {
        "The tide rose at six and the ferry left the harbour at seven with the mail and three crates of apples. ",
        "The baker on the quay sells rye bread until noon and closes when the fog comes in from the sea. ",
        "Every afternoon the office router drops the wifi, and the printer on the second floor jams again. "};

    /** What the job's sinks received, by output (sinks are serialised into the job, so they name their queue). */
    private static final Map<String, ConcurrentLinkedQueue<Object>> RECEIVED = new ConcurrentHashMap<>();

    private static SessionEvent doc(String session, String id, String text) {
        return event(session, id, DocumentChunk.newBuilder().setDocId(id).setText(text).setMetadata(Map.of()).build());
    }

    private static SessionEvent query(String session, String id, int maxNewTokens) {
        return event(session, id, Query.newBuilder().setQueryId(id).setText("When did the ferry leave?").setMaxNewTokens(maxNewTokens).build());
    }

    /** Three sessions of documents and queries (one too long to answer), a policy switch, and a CLOSE of a session never seen. */
    private static List<SessionEvent> events() {
        List<SessionEvent> events = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int s = 0; s < 3; s++) {
                String session = "s" + s;
                events.add(doc(session, session + "-d" + round, TEXTS[(s + round) % TEXTS.length].repeat(2 + s)));
                if (s == 1 && round == 0) {
                    events.add(event(session, "switch", Control.newBuilder().setAction(ControlAction.SET_POLICY)
                            .setPolicySpec("sinks:start=8").build()));
                }
                events.add(query(session, session + "-q" + round, 8));
            }
        }
        events.add(query("s2", "too-long", 100));
        events.add(event("ghost", "close", Control.newBuilder().setAction(ControlAction.CLOSE).build()));
        return events;
    }

    @Test
    void countersAddUpToWhatTheInputImpliesAndWhatTheJobSent() throws Exception {
        List<SessionEvent> events = events();
        InMemoryReporter reporter = InMemoryReporter.createWithRetainedMetrics();
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        reporter.addToConfiguration(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        SessionConfig config = new SessionConfig(MODEL.toString(), Backend.cpu(1), CHUNK, PolicySpec.parse("sinks").withDefaultBudget(BUDGET),
                CacheDtype.BF16, SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK,
                SessionConfig.DEFAULT_MAX_BATCH, SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
        SingleOutputStreamOperator<SourcedEvent> decoded = env.addSource(new Replay(events), TypeInformation.of(RawRecord.class))
                .setParallelism(1)
                .process(new EventDecoder(EventLimits.defaults()), TypeInformation.of(SourcedEvent.class))
                .name("decoder")
                .setParallelism(1);
        decoded.getSideOutput(Outputs.REJECTS).addSink(new Into<>("rejects"));
        SingleOutputStreamOperator<Answer> answers = decoded
                .keyBy(SourcedEvent::getSessionId)
                .transform("sessions", new AvroTypeInfo<>(Answer.class), new SessionOperator(config));
        answers.addSink(new Into<>("answers"));
        answers.getSideOutput(Outputs.REJECTS).addSink(new Into<>("rejects"));
        answers.getSideOutput(Outputs.MEMORY).addSink(new Into<>("memory"));
        RECEIVED.clear();
        List<Answer> answered = received("answers");
        List<Rejected> rejects = received("rejects");
        // our own cluster, closed only once the metrics are read: closing it closes the reporter, which forgets them
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            JobID id = cluster.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();
            try {
                // the source never ends (a bounded one would end the job before the ticks ran): wait for every query's outcome
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (answered.size() < 6 || rejects.size() < 3) {
                    assertTrue(System.nanoTime() < deadline, "answers " + answered + ", rejects " + rejects);
                    assertFalse(cluster.getJobStatus(id).get().isGloballyTerminalState(), "the job ended: " + cluster.getJobStatus(id).get());
                    Thread.sleep(50);
                    answered = received("answers");
                    rejects = received("rejects");
                }
            } finally {
                cluster.cancelJob(id).get();
                // the tasks are gone, their metrics final: the reporter keeps them
                cluster.requestJobResult(id).get();
                assertEquals(JobStatus.CANCELED, cluster.getJobStatus(id).get());
            }
            assertMetrics(reporter, id, events, answered, rejects, received("memory"));
        }
    }

    /** The metrics the reporter saw, against the input and the job's outputs. */
    private static void assertMetrics(InMemoryReporter reporter, JobID id, List<SessionEvent> events, List<Answer> answered,
                                      List<Rejected> rejects, List<MemoryUpdate> memory) throws Exception {
        // the streams each session's documents make, as the contracts define them: BOS, then each document's text
        Model model = SharedModels.get(MODEL, Backend.cpu(1));
        TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        Map<String, Integer> streamTokens = new LinkedHashMap<>();
        for (SessionEvent e : events) {
            if (e.getPayload() instanceof DocumentChunk) {
                streamTokens.merge(e.getSessionId(), tokens.document(((DocumentChunk) e.getPayload()).getText()).length, Integer::sum);
            }
        }
        streamTokens.replaceAll((session, body) -> tokens.start().length + body);
        long prefilled = streamTokens.values().stream().mapToLong(Integer::longValue).sum();
        Map<String, MemoryUpdate> lastUpdate = new LinkedHashMap<>();
        memory.forEach(m -> lastUpdate.put(m.getSessionId().toString(), m));
        long evictions = lastUpdate.values().stream().mapToLong(MemoryUpdate::getEvictions).sum();
        List<MemoryUpdate> prefills = memory.stream().filter(m -> m.getStatus().toString().equals("ok")).toList();

        assertEquals(events.size() + 1, counter(reporter, id, "decoder", 1, "recordsRead"), "the events and the garbage record");
        assertEquals(1, counter(reporter, id, "decoder", 1, "recordsRejected"), "the garbage record");
        assertEquals(events.size(), counter(reporter, id, "eventsReceived"));
        assertEquals(prefilled, counter(reporter, id, "tokensPrefilled"), "every document token was prefilled: " + streamTokens);
        for (String session : streamTokens.keySet()) {
            assertEquals(streamTokens.get(session).longValue(), lastUpdate.get(session).getTokensIngested(), session);
            assertEquals(0, lastUpdate.get(session).getTokensPending(), session);
        }
        assertEquals(6, counter(reporter, id, "answersSent"));
        assertEquals(answered.stream().mapToLong(a -> a.getTokenIds().size()).sum(), counter(reporter, id, "answerTokens"));
        assertEquals(answered.stream().mapToLong(Answer::getPromptTokens).sum(), counter(reporter, id, "queryTokens"));
        assertEquals(2, counter(reporter, id, "eventsRejected"), rejects.toString());
        assertEquals(1, counter(reporter, id, "step\\.answer\\.eventsRejected"), "the query too long for c*");
        assertEquals(1, counter(reporter, id, "step\\.control\\.eventsRejected"), "the CLOSE of a session never seen");
        assertEquals(0, counter(reporter, id, "step\\.prefill\\.eventsRejected"));
        assertEquals(memory.stream().mapToLong(MemoryUpdate::getPagesWritten).sum(), counter(reporter, id, "pagesWritten"));
        assertTrue(evictions > 0, "the documents outgrew the budget");
        assertEquals(evictions, counter(reporter, id, "entriesEvicted"));
        assertEquals(1, counter(reporter, id, "policySwitches"));
        assertEquals(0, counter(reporter, id, "sessionsExpired"));

        List<HistogramStatistics> chunks = histograms(reporter, id, "prefillChunkTokens");
        assertEquals(prefills.size(), chunks.stream().mapToLong(HistogramStatistics::size).sum(), "one sample per prefill chunk");
        assertEquals(prefilled, Math.round(chunks.stream().mapToDouble(h -> h.getMean() * h.size()).sum()));
        assertTrue(chunks.stream().allMatch(h -> h.size() == 0 || h.getMax() <= CHUNK), "a chunk is at most c*");
        List<HistogramStatistics> latency = histograms(reporter, id, "answerLatencyMs");
        List<HistogramStatistics> firstToken = histograms(reporter, id, "timeToFirstTokenMs");
        assertEquals(6, latency.stream().mapToLong(HistogramStatistics::size).sum(), "every query arrived in this run");
        assertEquals(6, firstToken.stream().mapToLong(HistogramStatistics::size).sum());
        for (int i = 0; i < latency.size(); i++) {
            assertTrue(firstToken.get(i).size() == 0 || firstToken.get(i).getMin() >= 0 && firstToken.get(i).getMax() <= latency.get(i).getMax());
        }
        assertTrue(histograms(reporter, id, "tickDurationMs").stream().mapToLong(HistogramStatistics::size).sum() > 0);

        assertEquals(0, gauge(reporter, id, "runnableSessions"), "nothing left to do");
        // the CLOSE of the unknown session restored (an empty) memory for it too
        assertEquals(streamTokens.size() + 1, gauge(reporter, id, "liveSessions"));
        assertTrue(gauge(reporter, id, "liveCacheBytes") > 0);
    }

    /** The sum over the session operator's subtasks of its counter {@code longstream.<name>}. */
    private static long counter(InMemoryReporter reporter, JobID job, String name) {
        return counter(reporter, job, "sessions", 2, name);
    }

    /** The sum over the {@code subtasks} of operator {@code operator} of its counter {@code longstream.<name>}. */
    private static long counter(InMemoryReporter reporter, JobID job, String operator, int subtasks, String name) {
        return metrics(reporter, job, operator, subtasks, name).stream().mapToLong(m -> ((Counter) m).getCount()).sum();
    }

    private static long gauge(InMemoryReporter reporter, JobID job, String name) {
        return metrics(reporter, job, name).stream().mapToLong(m -> ((Number) ((Gauge<?>) m).getValue()).longValue()).sum();
    }

    private static List<HistogramStatistics> histograms(InMemoryReporter reporter, JobID job, String name) {
        return metrics(reporter, job, name).stream().map(m -> ((Histogram) m).getStatistics()).toList();
    }

    /** The session operator's metric of each subtask, in subtask order. */
    private static List<Metric> metrics(InMemoryReporter reporter, JobID job, String name) {
        return metrics(reporter, job, "sessions", 2, name);
    }

    private static List<Metric> metrics(InMemoryReporter reporter, JobID job, String operator, int subtasks, String name) {
        Map<String, Metric> found = new TreeMap<>(reporter.findMetrics(job, "\\." + operator + "\\.\\d+\\.longstream\\." + name + "$"));
        assertEquals(subtasks, found.size(), name + ": " + found.keySet() + " of " + reporter.findMetrics(job, "longstream").keySet());
        return new ArrayList<>(found.values());
    }

    /**
     * The events as records of partition 0 of a topic, one after another, and a record that is no event; then the source
     * idles until cancelled.
     */
    private static final class Replay implements SourceFunction<RawRecord> {
        private final List<SessionEvent> events;
        private volatile boolean running = true;

        Replay(List<SessionEvent> events) {
            this.events = events;
        }

        @Override
        public void run(SourceContext<RawRecord> ctx) throws Exception {
            List<RawRecord> records = new ArrayList<>();
            for (SessionEvent e : events) {
                records.add(new RawRecord("events", 0, records.size(), records.size(),
                        e.getSessionId().getBytes(StandardCharsets.UTF_8), WireEncoder.encode(e)));
            }
            records.add(new RawRecord("events", 0, records.size(), records.size(), "s0".getBytes(StandardCharsets.UTF_8),
                    "not an event".getBytes(StandardCharsets.UTF_8)));
            for (RawRecord raw : records) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(raw);
                }
            }
            while (running) {
                Thread.sleep(20);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> received(String output) {
        return new ArrayList<>((ConcurrentLinkedQueue<T>) (ConcurrentLinkedQueue<?>) RECEIVED.computeIfAbsent(output, o -> new ConcurrentLinkedQueue<>()));
    }

    private static final class Into<T> implements SinkFunction<T> {
        private final String output;

        Into(String output) {
            this.output = output;
        }

        @Override
        public void invoke(T value, Context context) {
            RECEIVED.computeIfAbsent(output, o -> new ConcurrentLinkedQueue<>()).add(value);
        }
    }
}
