package io.longstream.it;

import static org.junit.jupiter.api.Assertions.fail;

import io.longstream.jobs.io.OutputConsumer;
import io.longstream.jobs.io.OutputRecord;
import io.longstream.jobs.pipeline.Topics;
import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Rejected;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Everything the pipeline committed to its output topics so far, read_committed, in topic order. */
final class PipelineOutputs implements AutoCloseable {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    final List<Answer> answers = new ArrayList<>();
    final List<MemoryUpdate> memory = new ArrayList<>();
    final List<Rejected> rejects = new ArrayList<>();
    private final OutputConsumer consumer;

    PipelineOutputs(String bootstrap, Topics topics) {
        consumer = OutputConsumer.ofAll(bootstrap, topics);
    }

    /** Reads until {@code done} holds, failing after 90 s with what arrived. */
    PipelineOutputs awaitUntil(Predicate<PipelineOutputs> done, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!done.test(this)) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + ": " + answers.size() + " answers, " + memory.size() + " memory updates, "
                        + rejects.size() + " rejects arrived; rejects: " + rejects);
            }
            for (OutputRecord r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value instanceof Answer) {
                    answers.add((Answer) r.value);
                } else if (r.value instanceof MemoryUpdate) {
                    memory.add((MemoryUpdate) r.value);
                } else {
                    rejects.add((Rejected) r.value);
                }
            }
        }
        return this;
    }

    /** Reads on for a while so that a duplicate, if the pipeline made one, would show up. */
    PipelineOutputs settle(Duration quiet) {
        long until = System.nanoTime() + quiet.toNanos();
        return awaitUntil(o -> System.nanoTime() > until, "the quiet period");
    }

    @Override
    public void close() {
        consumer.close();
    }
}
