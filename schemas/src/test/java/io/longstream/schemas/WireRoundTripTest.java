package io.longstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WireRoundTripTest {

    static List<SpecificRecord> records() {
        return SampleRecords.all();
    }

    @ParameterizedTest
    @MethodSource("records")
    void everyRecordReadsBackEqual(SpecificRecord record) throws Exception {
        assertEquals(record, roundTrip(record));
    }

    @Test
    void headerIsTheMarkerAndTheSchemaFingerprint() {
        byte[] bytes = WireEncoder.encode(SampleRecords.query());

        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        assertEquals(
                SchemaNormalization.parsingFingerprint64(Query.getClassSchema()),
                ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    @Test
    void defaultsFillUnsetFields() throws Exception {
        Query sparse = Query.newBuilder().setQueryId("q").setText("t").setMaxNewTokens(1).build();
        DocumentChunk bare = DocumentChunk.newBuilder().setDocId("d").setText("t").build();

        Query query = roundTrip(sparse);
        assertEquals(0.0f, query.getTemperature());
        assertEquals(1.0f, query.getTopP());
        assertNull(query.getSeed());
        assertEquals(Map.of(), roundTrip(bare).getMetadata());
    }

    private static <T extends SpecificRecord> T roundTrip(T record) throws UndecodableRecordException {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) record.getClass();
        return WireDecoder.forReleased(type).decode(WireEncoder.encode(record));
    }
}
