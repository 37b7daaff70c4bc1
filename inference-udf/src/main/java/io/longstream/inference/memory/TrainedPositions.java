package io.longstream.inference.memory;

import io.longstream.inference.model.ModelConfig;
import io.longstream.state.cache.RopeMode;

/**
 * Where a stream leaves the positions the model was trained on ({@code max_position_embeddings}). Under
 * original-position RoPE (full, epicache) a token is rotated by its place in the stream, so a longer stream runs the
 * model at positions it never saw, which degrades it without any error; rank positions stay below the cache's size.
 */
public final class TrainedPositions {
    private final int trained;

    public TrainedPositions(ModelConfig config) {
        this.trained = config.maxPositions;
    }

    /**
     * The warning for stream positions [from, to) when they are the first to pass the trained ones under {@code mode},
     * else null: a stream says it once, at the chunk that crosses, however it is cut into chunks or restored.
     */
    public String firstPassedBy(RopeMode mode, long from, long to) {
        if (mode != RopeMode.ORIGINAL || trained <= 0 || from > trained || to <= trained) {
            return null;
        }
        return "the stream passes the model's " + trained + " trained positions (max_position_embeddings) under "
                + "original-position RoPE: tokens from position " + trained + " on run the model where it was not trained";
    }
}
