package io.longstream.inference.epicache.profile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Layer profiles by model hash: measured once on the {@link ProfileText} and kept as {@code <model sha256>.json} in
 * a cache folder, so a model is profiled once per machine rather than at every start. A file that does not parse,
 * or was measured on another text or geometry, is measured again and overwritten.
 */
public final class LayerProfiles {
    /** The system property naming the cache folder. */
    public static final String DIR_PROPERTY = "longstream.profiles.dir";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final ProfileText text = ProfileText.shipped();

    /** In {@link #defaultDir()}. */
    public LayerProfiles() {
        this(defaultDir());
    }

    public LayerProfiles(Path dir) {
        this.dir = dir;
    }

    /** The folder named by {@value #DIR_PROPERTY}, else {@code ~/.cache/longstream/profiles}. */
    public static Path defaultDir() {
        String configured = System.getProperty(DIR_PROPERTY);
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".cache", "longstream", "profiles");
    }

    /** s_l per layer of the model (its folder must ship tokenizer.json); read from the cache or measured into it. */
    public double[] profile(Model model) {
        return profileOf(model).s();
    }

    /** As {@link #profile(Model)}, with what the profile was measured on. */
    public MeasuredProfile profileOf(Model model) {
        String modelSha = ModelHash.sha256(model.dir());
        String textSha = text.sha256();
        int[] tokens = text.tokens(model);
        ProfileGeometry geometry = ProfileGeometry.scaledTo(model.config().maxPositions, tokens.length);
        Path file = fileFor(modelSha);
        Optional<MeasuredProfile> cached = read(file).filter(p -> p.answers(modelSha, textSha, geometry, model.config().layers));
        if (cached.isPresent()) {
            return cached.get();
        }
        double[] s = LayerProfile.measure(model.transformer(), tokens, geometry);
        MeasuredProfile measured = new MeasuredProfile(modelSha, textSha, geometry.block(), geometry.sinks(), geometry.tokens(), s);
        write(file, measured);
        return measured;
    }

    /** Where the profile of the model with this hash is kept. */
    public Path fileFor(String modelSha256) {
        return dir.resolve(modelSha256 + ".json");
    }

    /** The stored profile, or empty when there is none or it cannot be read as one. */
    private static Optional<MeasuredProfile> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readValue(file.toFile(), MeasuredProfile.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Writes beside the target and moves it into place, so a concurrent reader never sees half a file. */
    private void write(Path file, MeasuredProfile profile) {
        try {
            Files.createDirectories(dir);
            Path partial = Files.createTempFile(dir, file.getFileName().toString(), ".part");
            try {
                JSON.writeValue(partial.toFile(), profile);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the layer profile in " + dir, e);
        }
    }
}
