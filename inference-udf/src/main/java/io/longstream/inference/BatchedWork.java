package io.longstream.inference;

import java.util.List;

/**
 * A session's work that advances by forward passes, one round at a time, so that the rounds of several sessions run as
 * one batch ({@link ForwardBatch}): a prefill chunk of a memory, the decoding of an answer. A round is one or more
 * forward steps on distinct caches; the work learns their logits before it names its next round.
 */
public interface BatchedWork {
    /**
     * The token rows the work forwards over all its rounds, at most (an answer may stop early): what it costs a tick
     * whose tokens are budgeted, as a serving engine's scheduler counts a step's tokens.
     */
    int tokens();

    /** Whether the work has run its last round. */
    boolean done();

    /** The forward steps of the next round (at least one, on distinct caches); only while not {@link #done()}. */
    List<ForwardStep> nextForwards();

    /** Takes the logits of the round {@link #nextForwards()} named, in its order. */
    void forwarded(List<float[]> logits);
}
