package io.longstream.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.ModelFormatException;
import io.longstream.inference.model.Safetensors;
import io.longstream.inference.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** A loaded Hugging Face model folder: config, weights on a backend, tokenizer (when shipped), stop ids. */
public final class Model implements AutoCloseable {
    private final Path dir;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokenIds;

    private Model(Path dir, ModelConfig config, Transformer transformer, Tokenizer tokenizer, Set<Integer> stopTokenIds) {
        this.dir = dir;
        this.config = config;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.stopTokenIds = Collections.unmodifiableSet(stopTokenIds);
    }

    /** Loads the folder on the CPU backend with {@code threads} worker threads. */
    public static Model load(Path dir, int threads) {
        return load(dir, Backend.cpu(threads));
    }

    /** Loads the folder on {@code backend}. */
    public static Model load(Path dir, Backend backend) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException("model folder " + dir + " does not exist");
        }
        ModelConfig config = ModelConfig.read(dir);
        Transformer transformer;
        try (Safetensors tensors = Safetensors.open(dir)) {
            transformer = backend.load(config, tensors);
        }
        Tokenizer tokenizer = Files.isRegularFile(dir.resolve("tokenizer.json")) ? Tokenizer.load(dir) : null;
        Set<Integer> stops = new LinkedHashSet<>(generationStopIds(dir));
        stops.addAll(config.eosTokenIds);
        return new Model(dir, config, transformer, tokenizer, stops);
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public Transformer transformer() {
        return transformer;
    }

    public Tokenizer tokenizer() {
        if (tokenizer == null) {
            throw new ModelFormatException("model " + dir + " ships no tokenizer.json");
        }
        return tokenizer;
    }

    /** {@code eos_token_id}s of generation_config.json and config.json; empty = stop at max tokens only. */
    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    private static Set<Integer> generationStopIds(Path dir) {
        Path file = dir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return Set.of();
        }
        try {
            return ModelConfig.tokenIds(new ObjectMapper().readTree(file.toFile()).get("eos_token_id"));
        } catch (IOException e) {
            throw new ModelFormatException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        transformer.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
