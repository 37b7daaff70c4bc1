package io.longstream.jobs.cli;

import picocli.CommandLine.Option;

/** The cache policy and budget of the evaluation commands. */
final class PolicyOptions {
    @Option(names = "--policy", paramLabel = "NAME[:k=v,...]", description = "KV cache policy (default: ${DEFAULT-VALUE})")
    String policy = "full";

    @Option(names = "--budget", paramLabel = "B", description = "most cache entries per layer and KV head, the attended chunk included; 0 = unbounded (default: ${DEFAULT-VALUE})")
    int budget;

    @Option(names = "--threads", paramLabel = "N", description = "CPU worker threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    PolicyFactory factory(int layers, int chunk) {
        return new PolicyFactory(policy, budget, layers, chunk);
    }
}
