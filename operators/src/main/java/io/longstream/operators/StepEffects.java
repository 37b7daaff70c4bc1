package io.longstream.operators;

import io.longstream.schemas.Answer;
import io.longstream.schemas.Rejected;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.util.OutputTag;

/**
 * What one step of one session writes to Flink state, emits and reports to the operator's metrics, held back until the
 * step has succeeded, so a step that fails leaves state, outputs and metrics as they were ({@link StepGuard}); and
 * what the step works on, which a failure rejects.
 */
final class StepEffects {
    /** A write to the session's Flink state. */
    interface StateWrite {
        void apply() throws Exception;
    }

    /** Where a session's outputs go: the answers stream and the side outputs, and the operator's metrics. */
    interface Emitter {
        void answer(Answer answer);

        <T> void output(OutputTag<T> tag, T value);

        SessionMetrics metrics();
    }

    /** What a step reports to the operator's metrics once it has succeeded. */
    interface Report {
        void to(SessionMetrics metrics);
    }

    private interface Emission {
        void emit(Emitter to);
    }

    private final List<StateWrite> writes = new ArrayList<>();
    private final List<Emission> emissions = new ArrayList<>();
    private final Consumer<StepKind> finished;
    private StepKind current;
    /** Whether the current kind of work goes on outside the step, in a batch, until the step resumes. */
    private boolean suspended;
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
        suspended = false;
        done();
        current = kind;
    }

    /** The step has finished the work of the kind it was doing, unless that work goes on in a batch. */
    void done() {
        if (current != null && !suspended) {
            finished.accept(current);
        }
    }

    /** The current kind of work goes on outside the step (in a batch with other sessions' work). */
    void suspend() {
        suspended = true;
    }

    /** The step goes on after its work ran in a batch: that work is finished when the step next moves on or ends. */
    void resume() {
        suspended = false;
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
        emissions.add(to -> to.output(tag, value));
    }

    void answer(Answer answer) {
        emissions.add(to -> to.answer(answer));
    }

    /** Sends {@code rejected} to the rejects topic, counted under the kind of work the step is doing. */
    void reject(Rejected rejected) {
        reject(current, rejected);
    }

    /** Sends {@code rejected} to the rejects topic, counted under {@code kind} (null: not known). */
    void reject(StepKind kind, Rejected rejected) {
        emissions.add(to -> {
            to.metrics().rejected(kind, rejected);
            to.output(Outputs.REJECTS, rejected);
        });
    }

    void report(Report report) {
        emissions.add(to -> report.to(to.metrics()));
    }

    /** Applies the writes in the order they were made, then emits and reports, in the order asked. */
    void commit(Emitter to) throws Exception {
        for (StateWrite write : writes) {
            write.apply();
        }
        for (Emission emission : emissions) {
            emission.emit(to);
        }
    }
}
