package io.longstream.operators;

import java.io.Serializable;
import java.util.List;

/** Where operator tests watch what each tick runs as one batch; jobs run with {@link #NONE}. */
interface TickListener extends Serializable {
    TickListener NONE = steps -> { };

    /** One session's expensive step in a tick: a prefill chunk or an answer block, and the token rows it forwards at most. */
    record Step(String session, StepKind kind, int tokens) {
    }

    /** Called with the steps of a tick, in the order the tick took them, before they run. */
    void ran(List<Step> steps);
}
