package io.longstream.jobs.cli;

import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Model;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every model-running command shares. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder (config.json, *.safetensors, tokenizer.json)")
    Path model;

    @Option(names = "--chunk", paramLabel = "N", description = "prefill chunk size in tokens (default: ${DEFAULT-VALUE})")
    int chunk = ChunkedPrefill.DEFAULT_CHUNK;

    @Option(names = "--threads", paramLabel = "N", description = "CPU worker threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    Model load() {
        if (chunk < 1) {
            throw new IllegalArgumentException("--chunk must be >= 1, got " + chunk);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        return Model.load(model, threads);
    }
}
