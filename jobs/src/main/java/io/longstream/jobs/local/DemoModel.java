package io.longstream.jobs.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The model the demo runs when none is given: the trained demo model of {@code models/longstream-demo}, which the
 * build puts in this jar, written to a temporary folder.
 */
final class DemoModel {
    static final String NAME = "longstream-demo";
    private static final String RESOURCE = "/io/longstream/jobs/demo/model/";
    private static final List<String> FILES = List.of(
            "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");

    private DemoModel() {
    }

    static Path extract() {
        try {
            Path dir = Files.createTempDirectory("longstream-demo-model-").resolve(NAME);
            Files.createDirectories(dir);
            for (String name : FILES) {
                try (InputStream in = DemoModel.class.getResourceAsStream(RESOURCE + name)) {
                    if (in == null) {
                        throw new IllegalStateException("the demo model's " + name + " is missing from the jar");
                    }
                    Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo model: " + e.getMessage(), e);
        }
    }
}
