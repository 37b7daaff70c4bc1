package io.longstream.inference;

import io.longstream.inference.model.ModelConfig;
import io.longstream.state.cache.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of a batched forward pass, checked before anything runs: step s's tokens are rows
 * [start(s), start(s + 1)), the steps' rows one after the other.
 */
public final class BatchRows {
    private final int[] rowStart;

    private BatchRows(int[] rowStart) {
        this.rowStart = rowStart;
    }

    /**
     * @throws IllegalArgumentException for an empty batch, two steps that share a cache, a cache of another model's
     *     shape or a token outside the vocabulary
     */
    public static BatchRows of(List<ForwardStep> batch, ModelConfig c) {
        int steps = batch.size();
        if (steps == 0) {
            throw new IllegalArgumentException("a forward pass needs at least one step");
        }
        Map<KvCache, Integer> stepOfCache = new IdentityHashMap<>();
        int[] rowStart = new int[steps + 1];
        for (int s = 0; s < steps; s++) {
            ForwardStep step = batch.get(s);
            KvCache cache = step.cache();
            if (cache.layers() != c.layers || cache.kvHeads() != c.kvHeads || cache.headDim() != c.headDim) {
                throw new IllegalArgumentException("cache shape " + cache.layers() + "x" + cache.kvHeads() + "x"
                        + cache.headDim() + " does not fit the model's " + c.layers + "x" + c.kvHeads + "x" + c.headDim);
            }
            Integer earlier = stepOfCache.putIfAbsent(cache, s);
            if (earlier != null) {
                // two rows of one session in one pass would each miss the other's keys
                throw new IllegalArgumentException("steps " + earlier + " and " + s + " of a batch share a cache");
            }
            for (int token : step.tokens()) {
                if (token < 0 || token >= c.vocab) {
                    throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + c.vocab + ")");
                }
            }
            rowStart[s + 1] = Math.addExact(rowStart[s], step.tokens().length);
        }
        return new BatchRows(rowStart);
    }

    public int steps() {
        return rowStart.length - 1;
    }

    /** Rows of all steps. */
    public int rows() {
        return rowStart[rowStart.length - 1];
    }

    /** Each step's first row, and the row count last: [steps + 1]. */
    public int[] starts() {
        return rowStart.clone();
    }

    /** Step s's first row. */
    public int start(int s) {
        return rowStart[s];
    }

    /** Every row's position: each step claims its tokens' positions from its cache, in order. */
    public int[] claimPositions(List<ForwardStep> batch) {
        int[] positions = new int[rows()];
        for (int s = 0; s < steps(); s++) {
            int first = batch.get(s).cache().claimPositions(batch.get(s).tokens().length);
            for (int r = rowStart[s]; r < rowStart[s + 1]; r++) {
                positions[r] = first + r - rowStart[s];
            }
        }
        return positions;
    }

    /** Each step's logits out of the batch's, [outStart[s], outStart[s + 1]) rows of {@code vocab} (see {@link #logitRowStart}). */
    public static List<float[]> perStep(float[] logits, int[] outStart, int vocab) {
        int steps = outStart.length - 1;
        if (steps == 1) {
            return List.of(logits);
        }
        List<float[]> out = new ArrayList<>(steps);
        for (int s = 0; s < steps; s++) {
            out.add(Arrays.copyOfRange(logits, outStart[s] * vocab, outStart[s + 1] * vocab));
        }
        return out;
    }

    /** Step by step, the rows that give logits (all of a step's, or its last): step s's are [outStart[s], outStart[s+1]). */
    public int[] logitRowStart(List<ForwardStep> batch) {
        int[] outStart = new int[steps() + 1];
        for (int s = 0; s < steps(); s++) {
            outStart[s + 1] = outStart[s] + (batch.get(s).allLogits() ? rowStart[s + 1] - rowStart[s] : 1);
        }
        return outStart;
    }
}
