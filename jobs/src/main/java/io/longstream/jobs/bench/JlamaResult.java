package io.longstream.jobs.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Jlama's figures as the peer prints them in its one JSON line. */
public record JlamaResult(int threads, List<Prefill> prefill, List<Decode> decode) {

    public record Prefill(int tokens, double seconds, @JsonProperty("tokens_per_s") double tokensPerSecond) {
    }

    public record Decode(int context, int tokens, double seconds,
                         @JsonProperty("tokens_per_s") double tokensPerSecond) {
    }
}
