package io.longstream.inference.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A model's {@code config.json}, in the transformers 4.x keys ({@code rope_theta}, {@code rope_scaling},
 * {@code torch_dtype}) or the 5.x keys ({@code rope_parameters}, {@code dtype}).
 */
public final class ModelConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final Architecture architecture;
    public final int hidden;
    public final int intermediate;
    public final int layers;
    public final int heads;
    public final int kvHeads;
    public final int headDim;
    public final int vocab;
    public final float rmsEps;
    public final double ropeTheta;
    public final RopeScaling ropeScaling;
    public final boolean tiedEmbeddings;
    public final boolean qkvBias;
    /** Keys a token attends to, itself included; 0 = unlimited. */
    public final int slidingWindow;
    public final int maxPositions;
    /** -1 when the model has no BOS token. */
    public final int bosTokenId;
    public final Set<Integer> eosTokenIds;

    private ModelConfig(JsonNode c) {
        JsonNode archs = c.get("architectures");
        String arch = archs != null && archs.isArray() && archs.size() > 0 ? archs.get(0).asText() : null;
        architecture = Architecture.of(arch, text(c, "model_type"));
        hidden = positiveInt(c, "hidden_size");
        intermediate = positiveInt(c, "intermediate_size");
        layers = positiveInt(c, "num_hidden_layers");
        heads = positiveInt(c, "num_attention_heads");
        kvHeads = c.hasNonNull("num_key_value_heads") ? positiveInt(c, "num_key_value_heads") : heads;
        headDim = c.hasNonNull("head_dim") ? positiveInt(c, "head_dim") : hidden / heads;
        vocab = positiveInt(c, "vocab_size");
        rmsEps = (float) (c.hasNonNull("rms_norm_eps") ? c.get("rms_norm_eps").asDouble() : 1e-6);
        maxPositions = c.hasNonNull("max_position_embeddings") ? positiveInt(c, "max_position_embeddings") : 0;
        tiedEmbeddings = c.has("tie_word_embeddings") && c.get("tie_word_embeddings").asBoolean();
        if (heads % kvHeads != 0) {
            throw new ModelFormatException("config.json: num_attention_heads (" + heads + ") is not a multiple of num_key_value_heads ("
                    + kvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new ModelFormatException("config.json: head_dim (" + headDim + ") must be even for RoPE");
        }
        String act = c.hasNonNull("hidden_act") ? c.get("hidden_act").asText() : "silu";
        if (!act.equals("silu")) {
            throw new ModelFormatException("config.json: hidden_act '" + act + "' is not supported (only silu)");
        }
        if (c.path("mlp_bias").asBoolean(false)) {
            throw new ModelFormatException("config.json: mlp_bias true is not supported");
        }
        qkvBias = architecture == Architecture.QWEN2 || c.path("attention_bias").asBoolean(false);
        slidingWindow = slidingWindow(c, architecture);
        JsonNode rope = c.get("rope_parameters");
        if (rope != null && rope.isObject()) {
            ropeTheta = rope.hasNonNull("rope_theta") ? rope.get("rope_theta").asDouble()
                    : c.path("rope_theta").asDouble(10000.0);
            ropeScaling = ropeScaling(rope, "rope_parameters");
        } else {
            ropeTheta = c.path("rope_theta").asDouble(10000.0);
            JsonNode scaling = c.get("rope_scaling");
            ropeScaling = scaling != null && scaling.isObject() ? ropeScaling(scaling, "rope_scaling") : RopeScaling.none();
        }
        bosTokenId = c.hasNonNull("bos_token_id") ? c.get("bos_token_id").asInt() : -1;
        eosTokenIds = tokenIds(c.get("eos_token_id"));
    }

    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException("no config.json in " + dir);
        }
        try {
            return parse(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new ModelFormatException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    public static ModelConfig parse(JsonNode config) {
        return new ModelConfig(config);
    }

    /** Ids listed under {@code eos_token_id} (a number, a list, or null). */
    public static Set<Integer> tokenIds(JsonNode node) {
        Set<Integer> ids = new LinkedHashSet<>();
        if (node != null && node.isArray()) {
            node.forEach(n -> ids.add(n.asInt()));
        } else if (node != null && node.isNumber()) {
            ids.add(node.asInt());
        }
        return ids;
    }

    private static int slidingWindow(JsonNode c, Architecture arch) {
        if (arch == Architecture.QWEN2) {
            boolean sliding = c.path("use_sliding_window").asBoolean(false);
            JsonNode types = c.get("layer_types");
            if (types != null && types.isArray()) {
                for (JsonNode t : types) {
                    sliding |= t.asText().equals("sliding_attention");
                }
            }
            if (sliding) {
                throw new ModelFormatException("config.json: Qwen2 with use_sliding_window true (or sliding_attention layers) is not supported");
            }
            return 0;
        }
        if (arch == Architecture.MISTRAL && c.hasNonNull("sliding_window")) {
            return positiveInt(c, "sliding_window");
        }
        return 0;
    }

    private static RopeScaling ropeScaling(JsonNode r, String key) {
        String type = r.hasNonNull("rope_type") ? r.get("rope_type").asText() : r.path("type").asText("default");
        switch (type) {
            case "default":
                return RopeScaling.none();
            case "linear":
                return RopeScaling.linear(required(r, key, "factor").asDouble());
            case "llama3":
                return RopeScaling.llama3(required(r, key, "factor").asDouble(),
                        required(r, key, "low_freq_factor").asDouble(),
                        required(r, key, "high_freq_factor").asDouble(),
                        required(r, key, "original_max_position_embeddings").asInt());
            default:
                throw new ModelFormatException("config.json: " + key + ".rope_type '" + type
                        + "' is not supported (default, linear, llama3)");
        }
    }

    private static JsonNode required(JsonNode node, String parent, String field) {
        if (!node.hasNonNull(field)) {
            throw new ModelFormatException("config.json: " + parent + "." + field + " is missing");
        }
        return node.get(field);
    }

    private static String text(JsonNode c, String key) {
        return c.hasNonNull(key) ? c.get(key).asText() : null;
    }

    private static int positiveInt(JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) {
            throw new ModelFormatException("config.json: '" + key + "' is missing");
        }
        if (!n.canConvertToInt() || n.asInt() < 1) {
            throw new ModelFormatException("config.json: '" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    @Override
    public String toString() {
        return architecture.modelType() + " hidden=" + hidden + " layers=" + layers + " heads=" + heads + "/" + kvHeads
                + " headDim=" + headDim + " vocab=" + vocab + " rope=" + ropeTheta + " " + ropeScaling
                + (slidingWindow > 0 ? " window=" + slidingWindow : "") + (tiedEmbeddings ? " tied" : "");
    }
}
