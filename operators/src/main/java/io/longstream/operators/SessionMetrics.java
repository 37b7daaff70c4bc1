package io.longstream.operators;

import io.longstream.schemas.Answer;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The session operator's Flink metrics, under the {@code longstream} group of the operator's metric group (README,
 * "Metrics"): what its sessions take in, prefill, answer and reject, and what its ticks run. Steps report here only
 * what they commit, so a step withdrawn, abandoned or failed counts nothing of its work. Metrics are read, never
 * persisted, and change no state: after a restore the counters start from 0, and queries that arrived before it have
 * no latency to report. Everything but the gauges' reads runs on the task thread; the gauges read values sampled
 * there at the end of each tick.
 */
final class SessionMetrics {
    /** Samples a histogram keeps: its statistics are over the latest this many. */
    static final int HISTOGRAM_WINDOW = 1024;

    /** Where a record was read from, which names it from its arrival to its answer or reject. */
    private record Coordinates(String topic, int partition, long offset) {
        static Coordinates of(RawRecord source) {
            return new Coordinates(source.topic, source.partition, source.offset);
        }

        static Coordinates of(Rejected rejected) {
            return new Coordinates(String.valueOf(rejected.getSourceTopic()), rejected.getPartition(), rejected.getOffset());
        }
    }

    private final Counter eventsReceived;
    private final Counter tokensPrefilled;
    private final Counter answersSent;
    private final Counter answerTokens;
    private final Counter queryTokens;
    private final Counter eventsRejected;
    private final Map<StepKind, Counter> rejectsByStep = new EnumMap<>(StepKind.class);
    private final Counter pagesWritten;
    private final Counter entriesEvicted;
    private final Counter policySwitches;
    private final Counter sessionsExpired;
    private final Histogram tickDuration;
    private final Histogram prefillChunkTokens;
    private final Histogram timeToFirstToken;
    private final Histogram answerLatency;
    /** When each query waiting in this operator instance arrived (wall clock ms), until it is answered or rejected. */
    private final Map<Coordinates, Long> queryArrivals = new HashMap<>();

    private volatile int runnableSessions;
    private volatile int liveSessions;
    private volatile long liveCacheBytes;
    private volatile int batchSessions;
    private volatile int batchTokens;

    SessionMetrics(MetricGroup operator) {
        MetricGroup group = operator.addGroup("longstream");
        eventsReceived = group.counter("eventsReceived");
        tokensPrefilled = group.counter("tokensPrefilled");
        answersSent = group.counter("answersSent");
        answerTokens = group.counter("answerTokens");
        queryTokens = group.counter("queryTokens");
        eventsRejected = group.counter("eventsRejected");
        for (StepKind kind : StepKind.values()) {
            rejectsByStep.put(kind, group.addGroup("step", kind.name().toLowerCase(Locale.ROOT)).counter("eventsRejected"));
        }
        pagesWritten = group.counter("pagesWritten");
        entriesEvicted = group.counter("entriesEvicted");
        policySwitches = group.counter("policySwitches");
        sessionsExpired = group.counter("sessionsExpired");
        tickDuration = group.histogram("tickDurationMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        prefillChunkTokens = group.histogram("prefillChunkTokens", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        timeToFirstToken = group.histogram("timeToFirstTokenMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        answerLatency = group.histogram("answerLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        group.gauge("runnableSessions", () -> runnableSessions);
        group.gauge("liveSessions", () -> liveSessions);
        group.gauge("liveCacheBytes", () -> liveCacheBytes);
        group.gauge("batchSessions", () -> batchSessions);
        group.gauge("batchTokens", () -> batchTokens);
    }

    /** An event reached the operator; a query's arrival starts the clock of its latency. */
    void received(SourcedEvent event) {
        eventsReceived.inc();
        if (event.event.getPayload() instanceof Query) {
            queryArrivals.put(Coordinates.of(event.source), System.currentTimeMillis());
        }
    }

    /** A prefill chunk of {@code tokens} stream tokens went into the session's cache, and the policy evicted {@code evicted} entries. */
    void prefilled(int tokens, long evicted) {
        tokensPrefilled.inc(tokens);
        prefillChunkTokens.update(tokens);
        entriesEvicted.inc(evicted);
    }

    /**
     * The answer to the query read from {@code query} is sent now; its first token came at {@code firstTokenAt} (wall
     * clock ms; 0: it has none, so now).
     */
    void answered(RawRecord query, Answer answer, long firstTokenAt) {
        answersSent.inc();
        answerTokens.inc(answer.getTokenIds().size());
        queryTokens.inc(answer.getPromptTokens());
        Long arrived = queryArrivals.remove(Coordinates.of(query));
        if (arrived != null) {
            long now = System.currentTimeMillis();
            timeToFirstToken.update((firstTokenAt == 0 ? now : firstTokenAt) - arrived);
            answerLatency.update(now - arrived);
        }
    }

    /** A record goes to the rejects topic, by a step doing work of {@code kind} (null: not known). */
    void rejected(StepKind kind, Rejected rejected) {
        eventsRejected.inc();
        if (kind != null) {
            rejectsByStep.get(kind).inc();
        }
        queryArrivals.remove(Coordinates.of(rejected));
    }

    void pagesWritten(int pages) {
        pagesWritten.inc(pages);
    }

    /** A session switched policy; the switch evicted {@code evicted} entries. */
    void policySwitched(long evicted) {
        policySwitches.inc();
        entriesEvicted.inc(evicted);
    }

    void expired() {
        sessionsExpired.inc();
    }

    /** A tick ran {@code sessions} sessions' expensive steps, {@code tokens} token rows, in {@code nanos}. */
    void ticked(int sessions, int tokens, long nanos) {
        batchSessions = sessions;
        batchTokens = tokens;
        tickDuration.update(nanos / 1_000_000);
    }

    /** What the operator holds after a tick: sessions runnable, and the live caches' sessions and bytes. */
    void held(int runnable, int live, long liveBytes) {
        runnableSessions = runnable;
        liveSessions = live;
        liveCacheBytes = liveBytes;
    }
}
