package io.longstream.operators;

import java.io.Serializable;

/**
 * Where operator tests make a kind of step fail as if its work had thrown, for the kinds no real input can break;
 * jobs run with {@link #NONE}.
 */
interface StepFaults extends Serializable {
    StepFaults NONE = (kind, session) -> { };

    /** Called after a step did work of {@code kind} for {@code session}, before anything of it is committed; may throw. */
    void check(StepKind kind, String session);
}
