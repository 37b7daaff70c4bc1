package io.longstream.operators;

import java.io.Serializable;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The rule that nothing one session's event does may fail the job: a step of a session (tokenizing an event, a
 * prefill chunk, an answer block, a control action, a policy switch, persisting) runs here on working copies, with its
 * writes and outputs held in {@link StepEffects}. A {@link RuntimeException} it throws is the session's fault: the
 * guard returns it as the reason, and the caller discards the effects and rejects what the step worked on. What is not
 * a session's fault still fails the job: an {@link Error}, a checked exception (Flink state IO), and a
 * {@link FlinkRuntimeException} (Flink's state backends wrap their errors in it).
 */
final class StepGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A step's outcome: what its work returned and what it wrote and emits, or why it failed. */
    record Result<T>(T value, StepEffects effects, String failure) {
        boolean failed() {
            return failure != null;
        }
    }

    interface Work<T> {
        T run(StepEffects effects) throws Exception;
    }

    private final StepFaults faults;

    StepGuard(StepFaults faults) {
        this.faults = faults;
    }

    /** Runs one step of {@code session}; its effects are for the caller to commit, unless it failed. */
    <T> Result<T> run(String session, Work<T> work) throws Exception {
        return resume(new StepEffects(kind -> faults.check(kind, session)), work);
    }

    /** Runs more of a step begun with {@link #run} (what follows work done in a batch), into the same effects. */
    <T> Result<T> resume(StepEffects effects, Work<T> work) throws Exception {
        effects.resume();
        try {
            T value = work.run(effects);
            effects.done();
            return new Result<>(value, effects, null);
        } catch (FlinkRuntimeException e) {
            throw e;
        } catch (RuntimeException e) {
            return new Result<>(null, effects, failure(effects, e));
        }
    }

    /** The reason a step failed with {@code e}: the label of the kind of work it was doing, and the message. */
    static String failure(StepEffects effects, RuntimeException e) {
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        String label = effects.current() != null ? effects.current().label : "step failed";
        return label + ": " + message;
    }
}
