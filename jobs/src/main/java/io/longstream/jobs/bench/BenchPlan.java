package io.longstream.jobs.bench;

import java.util.List;

/** What the CPU benchmark measures: prefill lengths, decode contexts and how many tokens to decode at each. */
public record BenchPlan(int threads, List<Integer> prefillTokens, List<Integer> decodeContexts, int decodeTokens,
                        int warmup) {
    public BenchPlan {
        prefillTokens = List.copyOf(prefillTokens);
        decodeContexts = List.copyOf(decodeContexts);
        if (threads <= 0 || decodeTokens <= 0 || warmup < 0) {
            throw new IllegalArgumentException("threads and decodeTokens must be positive, warmup >= 0");
        }
    }
}
