package io.longstream.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the rounds of several sessions' works as single forward passes: each round takes the next forwards of every
 * work not done, in the order given, so a decode step reads the weights once for all sessions. A work's results do not
 * depend on the other works or their order ({@link Transformer#forward(List)} is batch-invariant).
 */
public final class ForwardBatch {
    private final Transformer transformer;

    public ForwardBatch(Transformer transformer) {
        this.transformer = transformer;
    }

    /**
     * One forward pass over the next round of every work not done.
     *
     * @return whether any work ran (false: all were done)
     * @throws IllegalArgumentException if two works' forwards share a cache (nothing has run then)
     */
    public boolean round(List<? extends BatchedWork> works) {
        List<BatchedWork> running = new ArrayList<>();
        List<ForwardStep> steps = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        for (BatchedWork work : works) {
            if (work.done()) {
                continue;
            }
            List<ForwardStep> next = work.nextForwards();
            if (next.isEmpty()) {
                throw new IllegalStateException(work + " is not done but names no forward");
            }
            running.add(work);
            steps.addAll(next);
            ends.add(steps.size());
        }
        if (running.isEmpty()) {
            return false;
        }
        List<float[]> logits = transformer.forward(steps);
        for (int i = 0; i < running.size(); i++) {
            running.get(i).forwarded(logits.subList(i == 0 ? 0 : ends.get(i - 1), ends.get(i)));
        }
        return true;
    }

    /** Runs {@code work}'s rounds alone until it is done; returns it. */
    public <W extends BatchedWork> W runAlone(W work) {
        finish(List.of(work));
        return work;
    }

    /** Runs rounds until every work is done. */
    public void finish(List<? extends BatchedWork> works) {
        while (round(works)) {
            // each round advances every work not done
        }
    }
}
