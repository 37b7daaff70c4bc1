package io.longstream.inference;

import io.longstream.state.cache.KvCache;
import java.util.Objects;

/**
 * One session's part of a batched forward pass: {@code tokens} at {@code cache}'s next positions, attending to that cache
 * only; the logits of every token ({@code allLogits}) or of the last; every attention weight shown to {@code observer}
 * (null: none), which sees this step's weights only, token indices counted within the step.
 */
public record ForwardStep(int[] tokens, KvCache cache, boolean allLogits, AttentionObserver observer) {
    public ForwardStep {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(cache, "cache");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("forward needs at least one token");
        }
    }

    public ForwardStep(int[] tokens, KvCache cache, boolean allLogits) {
        this(tokens, cache, allLogits, null);
    }
}
