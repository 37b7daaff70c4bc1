package io.longstream.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomModelWriterTest {
    private static final RandomModelWriter.Shape TINY = new RandomModelWriter.Shape(64, 160, 2, 4, 2, 384, false);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void safetensorsHeaderMatchesTheDataLayout() throws IOException {
        new RandomModelWriter(TINY).write(dir, 7);
        byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data should start 8-byte aligned");
        JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));

        assertEquals("pt", header.path("__metadata__").path("format").asText());
        assertEquals(expectedNames(TINY), tensorNames(header));
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            assertEquals("BF16", t.path("dtype").asText(), e.getKey());
            long elements = 1;
            for (JsonNode d : t.path("shape")) {
                elements *= d.asLong();
            }
            long begin = t.path("data_offsets").get(0).asLong();
            long end = t.path("data_offsets").get(1).asLong();
            assertEquals(2 * elements, end - begin, e.getKey());
            ranges.add(new long[] {begin, end});
        }
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        long expectedBegin = 0;
        for (long[] r : ranges) {
            assertEquals(expectedBegin, r[0], "tensors must be contiguous");
            expectedBegin = r[1];
        }
        assertEquals(8 + headerLength + expectedBegin, file.length);
        assertShape(header, "model.layers.1.self_attn.k_proj.weight", 32, 64);
        assertShape(header, "model.layers.0.mlp.down_proj.weight", 64, 160);
        assertShape(header, "lm_head.weight", 384, 64);
    }

    @Test
    void normsAreOnesAndWeightsLookLikeNormalWithSigmaTwoHundredths() throws IOException {
        new RandomModelWriter(TINY).write(dir, 7);
        byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) headerLength;

        for (float v : values(file, dataStart, header.path("model.norm.weight"))) {
            assertEquals(1.0f, v);
        }
        float[] embed = values(file, dataStart, header.path("model.embed_tokens.weight"));
        double sum = 0;
        double squares = 0;
        for (float v : embed) {
            sum += v;
            squares += v * v;
        }
        double mean = sum / embed.length;
        double sigma = Math.sqrt(squares / embed.length - mean * mean);
        assertEquals(0.0, mean, 0.001);
        assertEquals(0.02, sigma, 0.001);
    }

    @Test
    void configUsesTheKeysJlamaReads() throws IOException {
        RandomModelWriter.Shape tied = new RandomModelWriter.Shape(64, 160, 1, 4, 4, 384, true);
        new RandomModelWriter(tied).write(dir, 1);
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", config.path("architectures").get(0).asText());
        assertEquals(500000.0, config.path("rope_theta").asDouble());
        assertTrue(config.path("tie_word_embeddings").asBoolean());
        assertEquals("bfloat16", config.path("torch_dtype").asText());
        assertFalse(config.has("head_dim"));
        assertFalse(config.has("rope_scaling"));
        assertTrue(Files.size(dir.resolve("tokenizer.json")) > 0);
        assertEquals(expectedNames(tied), tensorNames(readHeader(dir.resolve("model.safetensors"))));
    }

    @Test
    void theSeedDeterminesTheWeights() throws IOException {
        new RandomModelWriter(TINY).write(dir.resolve("a"), 3);
        new RandomModelWriter(TINY).write(dir.resolve("b"), 3);
        new RandomModelWriter(TINY).write(dir.resolve("c"), 4);
        byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/model.safetensors")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/model.safetensors"))));
    }

    @Test
    void llama32OneBHasAboutOnePointTwoFourBillionParameters() {
        RandomModelWriter.Shape s = RandomModelWriter.Shape.llama32OneB();
        long kv = (long) s.kvHeads() * (s.hidden() / s.heads());
        long perLayer = 2L * s.hidden() * s.hidden() + 2L * kv * s.hidden() + 3L * s.hidden() * s.intermediate()
                + 2L * s.hidden();
        long total = (long) s.vocab() * s.hidden() + s.layers() * perLayer + s.hidden();
        assertEquals(1_235_814_400L, total);
    }

    private static Set<String> expectedNames(RandomModelWriter.Shape shape) {
        Set<String> names = new HashSet<>(List.of("model.embed_tokens.weight", "model.norm.weight"));
        for (int i = 0; i < shape.layers(); i++) {
            for (String part : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                    "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm",
                    "post_attention_layernorm")) {
                names.add("model.layers." + i + "." + part + ".weight");
            }
        }
        if (!shape.tied()) {
            names.add("lm_head.weight");
        }
        return names;
    }

    private static Set<String> tensorNames(JsonNode header) {
        Set<String> names = new HashSet<>();
        header.fieldNames().forEachRemaining(names::add);
        names.remove("__metadata__");
        return names;
    }

    private static JsonNode readHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
    }

    private static void assertShape(JsonNode header, String name, long... shape) {
        JsonNode dims = header.path(name).path("shape");
        assertEquals(shape.length, dims.size(), name);
        for (int i = 0; i < shape.length; i++) {
            assertEquals(shape[i], dims.get(i).asLong(), name);
        }
    }

    private static float[] values(byte[] file, int dataStart, JsonNode tensor) {
        int begin = dataStart + tensor.path("data_offsets").get(0).asInt();
        int end = dataStart + tensor.path("data_offsets").get(1).asInt();
        ByteBuffer data = ByteBuffer.wrap(file, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(end - begin) / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat((data.getShort() & 0xFFFF) << 16);
        }
        return out;
    }
}
