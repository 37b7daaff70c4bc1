package io.longstream.operators;

import io.longstream.schemas.Answer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * What one step of one session writes to Flink state and emits, held back until the step has succeeded, so a step
 * that fails leaves state and outputs as they were ({@link StepGuard}); and what the step works on, which a failure
 * rejects.
 */
final class StepEffects {
    /** A write to the session's Flink state. */
    interface StateWrite {
        void apply() throws Exception;
    }

    private interface Emission {
        void emit(KeyedProcessFunction<String, SourcedEvent, Answer>.Context ctx, Collector<Answer> out);
    }

    private final List<StateWrite> writes = new ArrayList<>();
    private final List<Emission> emissions = new ArrayList<>();
    private final Consumer<StepKind> finished;
    private StepKind current;
    private SourcedEvent event;

    /** Effects of work outside a guarded step (an expiry, a failed step's rejects). */
    StepEffects() {
        this(kind -> { });
    }

    /** @param finished called as the step finishes work of a kind (where {@link StepFaults} strike) */
    StepEffects(Consumer<StepKind> finished) {
        this.finished = finished;
    }

    /** The step now does work of {@code kind}. */
    void at(StepKind kind) {
        done();
        current = kind;
    }

    /** The step has finished the work of the kind it was doing. */
    void done() {
        if (current != null) {
            finished.accept(current);
        }
    }

    /** The kind of work the step is doing, null before any. */
    StepKind current() {
        return current;
    }

    /** The step works on {@code sourced}; null: on the session's pending tokens (a prefill). */
    void on(SourcedEvent sourced) {
        event = sourced;
    }

    /** The event the step works on; null for the pending tokens. */
    SourcedEvent event() {
        return event;
    }

    void write(StateWrite write) {
        writes.add(write);
    }

    <T> void output(OutputTag<T> tag, T value) {
        emissions.add((ctx, out) -> ctx.output(tag, value));
    }

    void answer(Answer answer) {
        emissions.add((ctx, out) -> out.collect(answer));
    }

    /** Applies the writes in the order they were made, then emits. */
    void commit(KeyedProcessFunction<String, SourcedEvent, Answer>.Context ctx, Collector<Answer> out) throws Exception {
        for (StateWrite write : writes) {
            write.apply();
        }
        for (Emission emission : emissions) {
            emission.emit(ctx, out);
        }
    }
}
