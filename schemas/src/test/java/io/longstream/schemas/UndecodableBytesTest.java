package io.longstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/** Bytes that are not a record of the expected kind fail with a reason fit for the rejects topic. */
class UndecodableBytesTest {
    private final WireDecoder<SessionEvent> decoder = WireDecoder.forReleased(SessionEvent.class);
    private final byte[] event = WireEncoder.encode(SampleRecords.event(SampleRecords.chunk()));

    @Test
    void anotherRecordsFingerprintIsUnknown() {
        byte[] answer = WireEncoder.encode(SampleRecords.answer());

        assertEquals(
                String.format("unknown schema fingerprint 0x%016x",
                        SchemaNormalization.parsingFingerprint64(Answer.getClassSchema())),
                reasonFor(answer));
    }

    @Test
    void plainJsonHasABadMarker() {
        byte[] json = "{\"sessionId\": \"s-1\", \"eventId\": \"e-1\"}".getBytes(StandardCharsets.UTF_8);

        assertEquals("not Avro single-object encoded (bad marker)", reasonFor(json));
    }

    @Test
    void fewerBytesThanAHeaderAreNotSingleObjectEncoded() {
        assertEquals(
                "not Avro single-object encoded (4 bytes, shorter than the header)",
                reasonFor(Arrays.copyOf(event, 4)));
    }

    @Test
    void aTruncatedBodyIsReportedAsSuch() {
        for (int length : new int[] {10, 11, event.length / 2, event.length - 1}) {
            String reason = reasonFor(Arrays.copyOf(event, length));
            assertTrue(reason.startsWith("truncated or corrupt body: "), reason);
        }
    }

    @Test
    void bytesAfterTheRecordAreReportedAsCorruption() {
        byte[] padded = Arrays.copyOf(event, event.length + 2);

        assertEquals("truncated or corrupt body: 2 bytes left after the record", reasonFor(padded));
    }

    @Test
    void aNegativeLengthIsReportedAsCorruption() {
        byte[] corrupt = event.clone();
        corrupt[10] = 0x7F; // sessionId's length, zig-zag -64

        String reason = reasonFor(corrupt);
        assertTrue(reason.startsWith("truncated or corrupt body: ") && reason.contains("negative"), reason);
    }

    @Test
    void anOutOfRangeUnionBranchIsReportedAsCorruption() {
        SessionEvent tiny = SessionEvent.newBuilder(SampleRecords.event(SampleRecords.turn()))
                .setSessionId("s").setEventId("e").setEventTime(Instant.EPOCH).setProducer("p").build();
        byte[] corrupt = WireEncoder.encode(tiny);
        // Body: "s", "e", time 0, "p" take 7 bytes; then the payload's branch, set to zig-zag 8.
        corrupt[10 + 7] = 0x10;

        String reason = reasonFor(corrupt);
        assertTrue(reason.startsWith("truncated or corrupt body: ") && reason.contains("Union branch"), reason);
    }

    private String reasonFor(byte[] bytes) {
        return assertThrows(UndecodableRecordException.class, () -> decoder.decode(bytes)).getMessage();
    }
}
