package io.longstream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * Every released version of a record, read from the resources
 * {@code io/longstream/schemas/released/<Record>-v<N>.avsc}, numbered from 1 without gaps.
 */
public final class ReleasedSchemas {
    private ReleasedSchemas() {}

    /** Released versions of the record named like {@code record}, oldest first; empty if none. */
    public static List<Schema> versions(Schema record) {
        List<Schema> versions = new ArrayList<>();
        for (int n = 1; ; n++) {
            String resource = "released/" + record.getName() + "-v" + n + ".avsc";
            try (InputStream in = ReleasedSchemas.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                // A fresh parser per file: each file defines its nested records again.
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
    }

    /** A store of every released version of the record, by fingerprint, for a decoder. */
    public static SchemaStore.Cache store(Schema record) {
        SchemaStore.Cache store = new SchemaStore.Cache();
        versions(record).forEach(store::addSchema);
        return store;
    }
}
