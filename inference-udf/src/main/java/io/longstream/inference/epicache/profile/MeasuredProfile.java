package io.longstream.inference.epicache.profile;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A layer profile and what it was measured on, as {@link LayerProfiles} stores it: one small JSON file per model.
 *
 * @param s s_l per layer
 */
public record MeasuredProfile(@JsonProperty("model_sha256") String modelSha256,
                              @JsonProperty("text_sha256") String textSha256,
                              @JsonProperty("block") int block,
                              @JsonProperty("sinks") int sinks,
                              @JsonProperty("tokens") int tokens,
                              @JsonProperty("s") double[] s) {

    /** Whether this was measured on that model, text and geometry, with one s_l in [−1, 1] per layer. */
    boolean answers(String modelSha, String textSha, ProfileGeometry geometry, int layers) {
        if (!modelSha.equals(modelSha256) || !textSha.equals(textSha256) || geometry.block() != block || geometry.sinks() != sinks
                || geometry.tokens() != tokens || s == null || s.length != layers) {
            return false;
        }
        for (double value : s) {
            if (!(value >= -1 && value <= 1)) {
                return false;
            }
        }
        return true;
    }
}
