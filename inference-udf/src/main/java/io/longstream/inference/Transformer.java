package io.longstream.inference;

import io.longstream.inference.model.ModelConfig;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.List;

/** A backend that runs the model's forward pass over chunks of tokens into a session's KV cache. */
public interface Transformer extends AutoCloseable {
    ModelConfig config();

    default KvCache newCache(CacheDtype dtype) {
        ModelConfig c = config();
        return new KvCache(c.layers, c.kvHeads, c.headDim, dtype);
    }

    /**
     * Runs {@code tokens} at the cache's next positions, appending their keys and values; each token
     * attends to the cache and to the chunk's tokens before it.
     *
     * @return logits, [tokens.length][vocab] row-major when {@code allLogits}, else [vocab] of the last token
     */
    default float[] forward(int[] tokens, KvCache cache, boolean allLogits) {
        return forward(tokens, cache, allLogits, null);
    }

    /** As {@link #forward(int[], KvCache, boolean)}, showing every attention weight to {@code observer} (null: none). */
    default float[] forward(int[] tokens, KvCache cache, boolean allLogits, AttentionObserver observer) {
        return forward(List.of(new ForwardStep(tokens, cache, allLogits, observer))).get(0);
    }

    /**
     * Runs the steps of several sessions as one forward pass: the weights are read once for all their rows, while each
     * step appends to and attends to its own cache only. A step's logits are bit-identical to running it alone, whatever
     * the other steps and their order (batch invariance: every reduction runs in a fixed order within one row).
     * Activation memory grows with the rows of all steps together.
     *
     * @return each step's logits, in the order of {@code batch}, as {@link #forward(int[], KvCache, boolean)} returns them
     * @throws IllegalArgumentException if two steps share a cache (nothing has run then)
     */
    List<float[]> forward(List<ForwardStep> batch);

    /** Bytes of weights the forward pass reads per token. */
    long weightBytes();

    @Override
    void close();
}
