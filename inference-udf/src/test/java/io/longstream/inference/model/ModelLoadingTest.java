package io.longstream.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.state.cache.CacheDtype;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelLoadingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static String[] models() {
        return Fixtures.MODELS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void transformers4And5ConfigKeysGiveTheSameModel(String name) throws IOException {
        Path v4 = copyModel(name);
        Files.copy(v4.resolve("config.v4.json"), v4.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        ModelConfig five = ModelConfig.read(Fixtures.model(name));
        ModelConfig four = ModelConfig.read(v4);
        assertEquals(five.toString(), four.toString());
        Fixtures.Reference ref = Fixtures.reference(name);
        assertArrayEquals(logits(Fixtures.model(name), ref.inputIds), logits(v4, ref.inputIds));
    }

    @Test
    void llama3RopeScalingIsReadFromBothKeySets() {
        ModelConfig c = ModelConfig.read(Fixtures.model("llama3-tiny-bf16"));
        assertEquals(RopeScaling.Type.LLAMA3, c.ropeScaling.type());
        assertEquals(500000.0, c.ropeTheta);
        assertTrue(c.tiedEmbeddings);
    }

    @Test
    void shardedCheckpointWithIndexLoadsTheSameWeights() throws IOException {
        String name = "llama3-tiny-bf16";
        Path sharded = copyModel(name);
        Files.delete(sharded.resolve("model.safetensors"));
        SafetensorsWriter.splitInto(Fixtures.model(name), sharded, 2);
        Fixtures.Reference ref = Fixtures.reference(name);
        assertArrayEquals(logits(Fixtures.model(name), ref.inputIds), logits(sharded, ref.inputIds));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"F16", "BF16"})
    void sixteenBitWeightsComputeExactlyWhatTheirFloatValuesDo(String dtype) throws IOException {
        // the same numbers stored as F32 and as 16-bit codes: the kernels of both must give the same bits
        String name = "llama-tiny-f32";
        CacheDtype rounding = CacheDtype.valueOf(dtype);
        Path wide = copyModel(name);
        SafetensorsWriter.convert(Fixtures.model(name), wide.resolve("model.safetensors"), TensorDtype.F32, rounding);
        Path narrow = Files.createDirectories(tmp.resolve(name + "-" + dtype));
        Files.copy(wide.resolve("config.json"), narrow.resolve("config.json"));
        SafetensorsWriter.convert(Fixtures.model(name), narrow.resolve("model.safetensors"), TensorDtype.valueOf(dtype), rounding);
        try (Safetensors st = Safetensors.open(narrow)) {
            assertEquals(TensorDtype.valueOf(dtype), st.info("lm_head.weight").dtype());
        }
        Fixtures.Reference ref = Fixtures.reference(name);
        float[] fromNarrow = logits(narrow, ref.inputIds);
        assertArrayEquals(logits(wide, ref.inputIds), fromNarrow);
        // and rounding the weights moves the logits only a little
        System.out.printf("%s weights: max |error| / max |logit| = %.3e%n", dtype, ref.relativeError(fromNarrow));
        assertTrue(ref.relativeError(fromNarrow) < 3e-2);
    }

    @Test
    void corruptedHeaderIsReportedAsSuch() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.seek(8);
            f.write("#not json".getBytes(StandardCharsets.US_ASCII));
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("corrupted safetensors header"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void absurdHeaderLengthIsReportedAsCorruption() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("corrupted safetensors header") && e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void truncatedFileNamesTheTensorThatRunsPastTheEnd() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().startsWith("truncated safetensors file"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor '"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        SafetensorsWriter.rewriteWithout(dir.resolve("model.safetensors"), "model.layers.1.mlp.down_proj.weight");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("missing tensor 'model.layers.1.mlp.down_proj.weight'"), e.getMessage());
    }

    @Test
    void shapeThatContradictsTheConfigIsNamed() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        editConfig(dir, c -> c.put("intermediate_size", 128));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight") && e.getMessage().contains("[160, 64]")
                && e.getMessage().contains("[128, 64]"), e.getMessage());
    }

    @Test
    void unsupportedArchitectureIsRefusedByName() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        editConfig(dir, c -> c.putArray("architectures").add("GPT2LMHeadModel"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
    }

    @Test
    void qwen2SlidingWindowIsRefusedAtLoad() throws IOException {
        Path dir = copyModel("qwen2-tiny-bf16");
        editConfig(dir, c -> c.put("use_sliding_window", true));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("use_sliding_window"), e.getMessage());
    }

    @Test
    void unknownRopeTypeIsRefusedWithItsKey() throws IOException {
        Path dir = copyModel("llama3-tiny-bf16");
        editConfig(dir, c -> ((ObjectNode) c.get("rope_parameters")).put("rope_type", "yarn"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("rope_parameters.rope_type 'yarn'"), e.getMessage());
    }

    @Test
    void missingConfigKeyIsNamed() throws IOException {
        Path dir = copyModel("llama-tiny-f32");
        editConfig(dir, c -> c.remove("num_hidden_layers"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(dir, 1));
        assertTrue(e.getMessage().contains("'num_hidden_layers' is missing"), e.getMessage());
    }

    private interface ConfigEdit {
        void apply(ObjectNode config);
    }

    private static void editConfig(Path dir, ConfigEdit edit) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        edit.apply(c);
        JSON.writeValue(dir.resolve("config.json").toFile(), c);
    }

    private Path copyModel(String name) throws IOException {
        Path dst = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(Fixtures.model(name))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dst.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                dst.resolve(f.getFileName()).toFile().setWritable(true);
            }
        }
        return dst;
    }

    private static float[] logits(Path dir, int[] ids) {
        try (Model m = Model.load(dir, 2)) {
            return new ChunkedPrefill(m.transformer(), 32).run(ids, m.transformer().newCache(CacheDtype.F32), true);
        }
    }
}
