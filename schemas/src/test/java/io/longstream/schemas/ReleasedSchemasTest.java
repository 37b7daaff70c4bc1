package io.longstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Enforces EVOLUTION.md for every record defined in src/main/avro. */
class ReleasedSchemasTest {

    static Stream<String> records() throws IOException {
        // Surefire runs in the module directory; listing the sources means a new record is covered.
        try (Stream<Path> files = Files.list(Path.of("src/main/avro"))) {
            List<String> names = files
                    .map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".avsc"))
                    .map(name -> name.substring(0, name.length() - ".avsc".length()))
                    .sorted()
                    .toList();
            assertFalse(names.isEmpty(), "no schemas found under src/main/avro");
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("records")
    void everyReleasedVersionReadsWithTheCurrentSchema(String record) throws Exception {
        Schema current = currentSchema(record);
        List<Schema> released = ReleasedSchemas.versions(current);

        assertFalse(released.isEmpty(), record + " has no released version");
        for (int i = 0; i < released.size(); i++) {
            SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, released.get(i));
            assertEquals(SchemaCompatibilityType.COMPATIBLE, result.getType(),
                    record + "-v" + (i + 1) + " cannot be read by the current schema: " + result.getDescription());
        }
    }

    @ParameterizedTest
    @MethodSource("records")
    void theCurrentSchemaIsTheNewestRelease(String record) throws Exception {
        Schema current = currentSchema(record);
        List<Schema> released = ReleasedSchemas.versions(current);
        Schema newest = released.isEmpty() ? null : released.get(released.size() - 1);

        assertEquals(
                SchemaNormalization.parsingFingerprint64(current),
                newest == null ? 0L : SchemaNormalization.parsingFingerprint64(newest),
                record + " changed without a release: add released/" + record + "-v" + (released.size() + 1)
                        + ".avsc holding\n" + SchemaFormatter.format("json/pretty", current));
    }

    private static Schema currentSchema(String record) throws ClassNotFoundException {
        return SpecificData.get().getSchema(Class.forName("io.longstream.schemas." + record));
    }
}
