package io.longstream.jobs.cli;

import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.CachePolicy;

/** Fresh policy instances of one spec (a policy may keep per-stream state); the spec is checked at once. */
final class PolicyFactory {
    private final String spec;
    private final int budget;
    private final int layers;
    private final int chunk;

    PolicyFactory(String spec, int budget, int layers, int chunk) {
        this.spec = spec;
        this.budget = budget;
        this.layers = layers;
        this.chunk = chunk;
        create();
    }

    CachePolicy create() {
        return CachePolicies.parse(spec, budget, layers, chunk);
    }
}
