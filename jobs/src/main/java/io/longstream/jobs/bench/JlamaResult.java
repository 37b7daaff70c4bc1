package io.longstream.jobs.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** Jlama's figures: prefill as the peer reports it, and decode as bursts held to this machine's read bandwidth, by context. */
record JlamaResult(List<Prefill> prefill, Map<Integer, DecodeBursts> decode) {

    /** The peer's first stdout line. */
    record PrefillLine(int threads, List<Prefill> prefill) {
    }

    record Prefill(int tokens, double seconds, @JsonProperty("tokens_per_s") double tokensPerSecond) {
    }
}
