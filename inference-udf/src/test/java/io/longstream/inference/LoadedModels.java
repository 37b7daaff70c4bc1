package io.longstream.inference;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Fixture models loaded once per (fixture, thread count) for a test JVM, for tests that run many tries over them. */
public final class LoadedModels {
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();

    private LoadedModels() {
    }

    public static Model get(String name, int threads) {
        return MODELS.computeIfAbsent(name + "/" + threads, key -> Model.load(Fixtures.model(name), threads));
    }
}
