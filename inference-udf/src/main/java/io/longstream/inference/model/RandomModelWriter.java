package io.longstream.inference.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Hugging Face Llama folder with random bf16 weights, so the CPU benchmark needs no download;
 * the config uses the transformers 4.x keys because Jlama reads only those.
 */
public final class RandomModelWriter {
    private static final double WEIGHT_SIGMA = 0.02;
    private static final int BOS = 0;
    private static final int EOS = 1;

    /** A Llama shape; head dimension is hidden / heads. */
    public record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, boolean tied) {
        public Shape {
            if (hidden <= 0 || intermediate <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0) {
                throw new IllegalArgumentException("all sizes must be positive: " + this);
            }
            if (hidden % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads must divide hidden and kvHeads must divide heads: " + this);
            }
        }

        /** The shape of Llama 3.2 1B (about 1.24 billion parameters, 2.5 GB in bf16). */
        public static Shape llama32OneB() {
            return new Shape(2048, 8192, 16, 32, 8, 128256, true);
        }

        int kvWidth() {
            return kvHeads * (hidden / heads);
        }
    }

    private final Shape shape;

    public RandomModelWriter(Shape shape) {
        this.shape = shape;
    }

    /**
     * The random Llama-3.2-1B-shaped bench model (seed 1) in {@code dir}, written there first when the folder holds
     * none; returns {@code dir}. It is written beside the folder and moved in whole, so a write cut short leaves no
     * folder that looks complete.
     */
    public static Path benchModel(Path dir, PrintStream log) throws IOException {
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        log.println("writing a random Llama-3.2-1B-shaped bf16 model to " + dir + " ...");
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        new RandomModelWriter(Shape.llama32OneB()).write(partial, 1L);
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** Writes config.json, tokenizer.json and model.safetensors into {@code dir}; equal seeds give equal files. */
    public void write(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        writeConfig(dir.resolve("config.json"));
        copyTokenizer(dir.resolve("tokenizer.json"));
        new SafetensorsBf16Writer().write(dir.resolve("model.safetensors"), tensors(),
                new NormalBf16(WEIGHT_SIGMA, seed));
    }

    private void writeConfig(Path file) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of("LlamaForCausalLM"));
        config.put("model_type", "llama");
        config.put("hidden_act", "silu");
        config.put("hidden_size", shape.hidden());
        config.put("intermediate_size", shape.intermediate());
        config.put("num_hidden_layers", shape.layers());
        config.put("num_attention_heads", shape.heads());
        config.put("num_key_value_heads", shape.kvHeads());
        config.put("vocab_size", shape.vocab());
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 500000.0);
        config.put("max_position_embeddings", 8192);
        config.put("tie_word_embeddings", shape.tied());
        config.put("torch_dtype", "bfloat16");
        config.put("bos_token_id", BOS);
        config.put("eos_token_id", EOS);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), config);
    }

    /** A small byte-level BPE tokenizer whose ids 0 and 1 are BOS and EOS; the benchmark feeds raw ids. */
    private static void copyTokenizer(Path file) throws IOException {
        try (InputStream in = RandomModelWriter.class.getResourceAsStream("tokenizer.json")) {
            if (in == null) {
                throw new IOException("tokenizer.json resource missing from the inference-udf jar");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private List<SafetensorsBf16Writer.Tensor> tensors() {
        long hidden = shape.hidden();
        long kv = shape.kvWidth();
        long inter = shape.intermediate();
        List<SafetensorsBf16Writer.Tensor> tensors = new ArrayList<>();
        tensors.add(random("model.embed_tokens.weight", shape.vocab(), hidden));
        for (int i = 0; i < shape.layers(); i++) {
            String p = "model.layers." + i + ".";
            tensors.add(ones(p + "input_layernorm.weight", hidden));
            tensors.add(random(p + "self_attn.q_proj.weight", hidden, hidden));
            tensors.add(random(p + "self_attn.k_proj.weight", kv, hidden));
            tensors.add(random(p + "self_attn.v_proj.weight", kv, hidden));
            tensors.add(random(p + "self_attn.o_proj.weight", hidden, hidden));
            tensors.add(ones(p + "post_attention_layernorm.weight", hidden));
            tensors.add(random(p + "mlp.gate_proj.weight", inter, hidden));
            tensors.add(random(p + "mlp.up_proj.weight", inter, hidden));
            tensors.add(random(p + "mlp.down_proj.weight", hidden, inter));
        }
        tensors.add(ones("model.norm.weight", hidden));
        if (!shape.tied()) {
            tensors.add(random("lm_head.weight", shape.vocab(), hidden));
        }
        return tensors;
    }

    private static SafetensorsBf16Writer.Tensor random(String name, long... shape) {
        return new SafetensorsBf16Writer.Tensor(name, shape, false);
    }

    private static SafetensorsBf16Writer.Tensor ones(String name, long... shape) {
        return new SafetensorsBf16Writer.Tensor(name, shape, true);
    }
}
