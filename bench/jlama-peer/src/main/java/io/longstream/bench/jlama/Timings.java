package io.longstream.bench.jlama;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The prefill figures and their one-line JSON form, which the Longstream side parses. */
record Timings(int threads, List<Prefill> prefill) {

    record Prefill(int tokens, double seconds) {
        String json() {
            return String.format(Locale.ROOT, "{\"tokens\":%d,\"seconds\":%.6f,\"tokens_per_s\":%.6f}",
                    tokens, seconds, tokens / seconds);
        }
    }

    String json() {
        return "{\"threads\":" + threads
                + ",\"prefill\":[" + prefill.stream().map(Prefill::json).collect(Collectors.joining(",")) + "]}";
    }
}
