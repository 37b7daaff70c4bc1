package io.longstream.inference.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.model.ModelConfig;
import io.longstream.state.cache.RopeMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.RepetitionInfo;

/** The warning of a stream that passes the model's trained positions (llama-tiny-f32: max_position_embeddings 512). */
class TrainedPositionsTest {
    private static final ModelConfig CONFIG = ModelConfig.read(Fixtures.model("llama-tiny-f32"));
    private static final TrainedPositions POSITIONS = new TrainedPositions(CONFIG);

    /** However a stream is cut into chunks, under original positions exactly the chunk holding position 512 warns. */
    @RepeatedTest(20)
    void exactlyTheChunkThatCrossesWarns(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
        int length = 1 + random.nextInt(1200);
        int warned = 0;
        for (int from = 0; from < length; ) {
            int to = Math.min(length, from + 1 + random.nextInt(100));
            String warning = POSITIONS.firstPassedBy(RopeMode.ORIGINAL, from, to);
            if (warning != null) {
                warned++;
                assertTrue(from <= 512 && to > 512, "chunk [" + from + ", " + to + ")");
                assertTrue(warning.contains("512 trained positions"), warning);
            }
            assertNull(POSITIONS.firstPassedBy(RopeMode.RANK, from, to), "rank positions stay within the cache");
            from = to;
        }
        assertEquals(length > 512 ? 1 : 0, warned, "a stream of " + length + " tokens");
    }

    @Test
    void aStreamOfExactlyTheTrainedLengthDoesNotWarn() {
        assertNull(POSITIONS.firstPassedBy(RopeMode.ORIGINAL, 0, 512));
        assertTrue(POSITIONS.firstPassedBy(RopeMode.ORIGINAL, 0, 513) != null);
        assertTrue(POSITIONS.firstPassedBy(RopeMode.ORIGINAL, 512, 513) != null, "position 512 is the first untrained one");
        assertNull(POSITIONS.firstPassedBy(RopeMode.ORIGINAL, 513, 600), "said once, by the chunk that crossed");
    }
}
