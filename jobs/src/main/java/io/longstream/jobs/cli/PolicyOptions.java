package io.longstream.jobs.cli;

import io.longstream.inference.Model;
import io.longstream.operators.SessionMemories;
import io.longstream.state.cache.CacheDtype;
import picocli.CommandLine.Option;

/** The cache policy and budget of the evaluation commands. */
final class PolicyOptions {
    @Option(names = "--policy", paramLabel = "NAME[:k=v,...]", description = "KV cache policy (default: ${DEFAULT-VALUE})")
    String policy = "full";

    @Option(names = "--budget", paramLabel = "B", description = "most cache entries per layer and KV head, the attended chunk included (epicache: per episode, averaged over layers); 0 = unbounded (default: ${DEFAULT-VALUE})")
    int budget;

    @Option(names = "--threads", paramLabel = "N", description = "CPU worker threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    SessionMemories memories(Model model, int chunk, CacheDtype dtype) {
        return new SessionMemories(model, policy, budget, chunk, dtype);
    }
}
