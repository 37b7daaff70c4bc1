package io.longstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.junit.jupiter.api.Test;

/** A record written with an older schema (a v0 Query without topP and seed) reads as today's. */
class OldVersionTest {
    private final Schema queryV0 = readSchema("old/Query-v0.avsc");
    private final byte[] writtenByV0 = writeV0Query();

    @Test
    void currentReaderFillsTheMissingFieldsWithDefaults() throws Exception {
        Query query = decoderKnowingV0().decode(writtenByV0);

        assertEquals("q-old", query.getQueryId());
        assertEquals("What was said first?", query.getText());
        assertEquals(16, query.getMaxNewTokens());
        assertEquals(0.5f, query.getTemperature());
        assertEquals(1.0f, query.getTopP());
        assertNull(query.getSeed());
    }

    @Test
    void aStoreWithoutThatVersionRejectsIt() {
        UndecodableRecordException e = assertThrows(
                UndecodableRecordException.class, () -> WireDecoder.forReleased(Query.class).decode(writtenByV0));

        assertEquals(
                String.format("unknown schema fingerprint 0x%016x", SchemaNormalization.parsingFingerprint64(queryV0)),
                e.getMessage());
    }

    @Test
    void oneDecoderServesManyThreadsAndVersions() throws Exception {
        WireDecoder<Query> decoder = decoderKnowingV0();
        byte[] writtenByV1 = WireEncoder.encode(SampleRecords.query());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Query>> results = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                byte[] bytes = i % 2 == 0 ? writtenByV0 : writtenByV1;
                results.add(pool.submit(() -> decoder.decode(bytes)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i % 2 == 0 ? "q-old" : "q-1", results.get(i).get().getQueryId());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private WireDecoder<Query> decoderKnowingV0() {
        SchemaStore.Cache store = ReleasedSchemas.store(Query.getClassSchema());
        store.addSchema(queryV0);
        return new WireDecoder<>(Query.class, store);
    }

    private byte[] writeV0Query() {
        GenericRecord old = new GenericData.Record(queryV0);
        old.put("queryId", "q-old");
        old.put("text", "What was said first?");
        old.put("maxNewTokens", 16);
        old.put("temperature", 0.5f);
        try {
            return new BinaryMessageEncoder<GenericRecord>(GenericData.get(), queryV0).encode(old).array();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Schema readSchema(String resource) {
        try (InputStream in = OldVersionTest.class.getResourceAsStream(resource)) {
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
