package io.longstream.inference.epicache.profile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerProfilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path cacheDir;

    @Test
    void aProfileIsMeasuredOnceThenReadFromItsFile() throws IOException {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 2)) {
            LayerProfiles profiles = new LayerProfiles(cacheDir);
            MeasuredProfile measured = profiles.profileOf(model);
            Path file = profiles.fileFor(ModelHash.sha256(model.dir()));
            JsonNode stored = JSON.readTree(file.toFile());
            assertEquals(measured.modelSha256(), stored.get("model_sha256").asText());
            assertEquals(ProfileText.shipped().sha256(), stored.get("text_sha256").asText());
            assertEquals(128, stored.get("block").asInt());
            assertEquals(4, stored.get("sinks").asInt());
            assertEquals(512, stored.get("tokens").asInt());
            assertEquals(2, stored.get("s").size());

            // a value only the file holds comes back: the second call reads, it does not measure
            ((ObjectNode) stored).putArray("s").add(1.0).add(0.25);
            JSON.writeValue(file.toFile(), stored);
            assertArrayEquals(new double[] {1.0, 0.25}, profiles.profile(model));
            assertArrayEquals(new double[] {1.0, 0.25}, new LayerProfiles(cacheDir).profile(model), "another instance, same folder");
        }
    }

    @Test
    void aCorruptOrStaleFileIsMeasuredAgainAndReplaced() throws IOException {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 2)) {
            LayerProfiles profiles = new LayerProfiles(cacheDir);
            double[] truth = profiles.profile(model);
            Path file = profiles.fileFor(ModelHash.sha256(model.dir()));
            String good = Files.readString(file);

            Files.writeString(file, good.substring(0, good.length() / 2));
            assertArrayEquals(truth, profiles.profile(model), "half a file");
            assertEquals(good, Files.readString(file));

            ObjectNode stale = (ObjectNode) JSON.readTree(good);
            stale.put("text_sha256", "0".repeat(64));
            stale.putArray("s").add(1.0).add(0.25);
            JSON.writeValue(file.toFile(), stale);
            assertArrayEquals(truth, profiles.profile(model), "measured on another text");

            ObjectNode outOfRange = (ObjectNode) JSON.readTree(good);
            outOfRange.putArray("s").add(1.0).add(7.0);
            JSON.writeValue(file.toFile(), outOfRange);
            assertArrayEquals(truth, profiles.profile(model), "not a cosine");
            try (Stream<Path> files = Files.list(cacheDir)) {
                assertEquals(1, files.count(), "no partial files left behind");
            }
        }
    }

    @Test
    void theModelHashCoversConfigAndWeights() throws IOException {
        Path source = Fixtures.model("llama-tiny-f32");
        Path copy = cacheDir.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(source.resolve("config.json"), copy.resolve("config.json"));
        Files.copy(source.resolve("model.safetensors"), copy.resolve("model.safetensors"));
        String hash = ModelHash.sha256(source);
        assertTrue(hash.matches("[0-9a-f]{64}"), hash);
        assertEquals(hash, ModelHash.sha256(copy), "tokenizer and reference files do not count");

        byte[] weights = Files.readAllBytes(copy.resolve("model.safetensors"));
        weights[weights.length - 1] ^= 1;
        Files.write(copy.resolve("model.safetensors"), weights);
        assertNotEquals(hash, ModelHash.sha256(copy), "one weight bit");

        Files.copy(source.resolve("model.safetensors"), copy.resolve("model.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(copy.resolve("config.json"), Files.readString(copy.resolve("config.json")).replace("512", "1024"));
        assertNotEquals(hash, ModelHash.sha256(copy), "the config");
    }
}
