package io.longstream.operators;

import io.longstream.inference.Backend;
import io.longstream.inference.Model;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Models loaded once per JVM (a TaskManager) and shared by all operator instances in it: weights are
 * large, a GPU's engine is one per JVM, and native libraries (the tokenizer's, JCuda's) load once per JVM anyway.
 */
final class SharedModels {
    private static final ConcurrentHashMap<String, Model> MODELS = new ConcurrentHashMap<>();

    private SharedModels() {
    }

    static Model get(Path dir, Backend backend) {
        return MODELS.computeIfAbsent(dir.toAbsolutePath().normalize() + "#" + backend, k -> Model.load(dir, backend));
    }
}
