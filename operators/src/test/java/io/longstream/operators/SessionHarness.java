package io.longstream.operators;

import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * The session operator in Flink's test harness on RocksDB state, with processing time in the test's
 * hands: each event is followed by as many ticks as its work takes.
 */
final class SessionHarness implements AutoCloseable {
    private final KeyedOneInputStreamOperatorTestHarness<String, SourcedEvent, Answer> harness;
    private long time;
    private long offset;

    private SessionHarness(SessionConfig config, StepFaults faults, TickListener ticks, OperatorSubtaskState restore) throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new SessionOperator(config, faults, ticks), SourcedEvent::getSessionId, Types.STRING);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
    }

    static SessionHarness open(SessionConfig config) throws Exception {
        return new SessionHarness(config, StepFaults.NONE, TickListener.NONE, null);
    }

    /** An operator whose steps fail where {@code faults} says. */
    static SessionHarness open(SessionConfig config, StepFaults faults) throws Exception {
        return new SessionHarness(config, faults, TickListener.NONE, null);
    }

    /** An operator that shows {@code ticks} what each of its ticks runs. */
    static SessionHarness open(SessionConfig config, TickListener ticks) throws Exception {
        return new SessionHarness(config, StepFaults.NONE, ticks, null);
    }

    static SessionHarness restore(SessionConfig config, OperatorSubtaskState state) throws Exception {
        return restore(config, state, TickListener.NONE);
    }

    static SessionHarness restore(SessionConfig config, OperatorSubtaskState state, TickListener ticks) throws Exception {
        return new SessionHarness(config, StepFaults.NONE, ticks, state);
    }

    static SessionEvent event(String session, String id, Object payload) {
        return SessionEvent.newBuilder().setSessionId(session).setEventId(id).setEventTime(Instant.ofEpochMilli(0))
                .setProducer("test").setPayload(payload).build();
    }

    /** Sends the events, then fires timers until every session is idle. */
    SessionHarness send(SessionEvent... events) throws Exception {
        enqueue(events);
        // the operator's ticks and its sessions' expiries are both processing-time callbacks
        while (harness.getProcessingTimeService().getNumActiveTimers() > 0) {
            harness.setProcessingTime(++time);
        }
        return this;
    }

    /** Hands the events to the operator without firing any timer, as records of partition 0 stamped with the time now. */
    SessionHarness enqueue(SessionEvent... events) throws Exception {
        for (SessionEvent e : events) {
            RawRecord raw = new RawRecord("events", 0, offset++, time, e.getSessionId().getBytes(StandardCharsets.UTF_8),
                    WireEncoder.encode(e));
            harness.processElement(new StreamRecord<>(new SourcedEvent(e, raw)));
        }
        return this;
    }

    /** Advances processing time {@code steps} times by a millisecond: one step of work each. */
    SessionHarness fire(int steps) throws Exception {
        for (int i = 0; i < steps; i++) {
            harness.setProcessingTime(++time);
        }
        return this;
    }

    List<Answer> answers() {
        return harness.extractOutputValues();
    }

    List<Rejected> rejects() {
        return values(Outputs.REJECTS);
    }

    List<MemoryUpdate> memory() {
        return values(Outputs.MEMORY);
    }

    OperatorSubtaskState snapshot() throws Exception {
        return harness.snapshot(1, time);
    }

    private <T> List<T> values(OutputTag<T> tag) {
        List<T> out = new ArrayList<>();
        if (harness.getSideOutput(tag) != null) {
            harness.getSideOutput(tag).forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
