package io.longstream.inference;

import io.longstream.inference.model.ModelConfig;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;

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
    float[] forward(int[] tokens, KvCache cache, boolean allLogits, AttentionObserver observer);

    /** Bytes of weights the forward pass reads per token. */
    long weightBytes();

    @Override
    void close();
}
