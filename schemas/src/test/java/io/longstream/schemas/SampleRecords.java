package io.longstream.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in instance of every record, for round trips. */
final class SampleRecords {
    private SampleRecords() {}

    static DocumentChunk chunk() {
        return DocumentChunk.newBuilder()
                .setDocId("doc-7")
                .setText("Chapter 1. It was a bright cold day in April.")
                .setMetadata(Map.of("source", "novel.txt", "page", "1"))
                .build();
    }

    static ConversationTurn turn() {
        return ConversationTurn.newBuilder().setRole("user").setText("Hello, who are you?").build();
    }

    static Query query() {
        return Query.newBuilder()
                .setQueryId("q-1")
                .setText("What day was it?")
                .setMaxNewTokens(32)
                .setTemperature(0.7f)
                .setTopP(0.95f)
                .setSeed(42L)
                .build();
    }

    static Control control() {
        return Control.newBuilder()
                .setAction(ControlAction.SET_POLICY)
                .setPolicySpec("window:4096")
                .build();
    }

    static SessionEvent event(Object payload) {
        return SessionEvent.newBuilder()
                .setSessionId("s-1")
                .setEventId("e-" + payload.getClass().getSimpleName())
                .setEventTime(Instant.ofEpochMilli(1_764_000_000_123L))
                .setProducer("test")
                .setPayload(payload)
                .build();
    }

    static Answer answer() {
        return Answer.newBuilder()
                .setSessionId("s-1")
                .setQueryId("q-1")
                .setText("A bright cold day in April.")
                .setTokenIds(List.of(319, 11785, 11220, 2462, 297, 3786, 29889))
                .setFinishReason("stop")
                .setPromptTokens(12)
                .setCachedTokens(4096)
                .setTimeToFirstTokenMs(85L)
                .setTotalLatencyMs(640L)
                .setPolicy("window:4096")
                .setModel("llama-tiny-f32")
                .build();
    }

    static MemoryUpdate memoryUpdate() {
        return MemoryUpdate.newBuilder()
                .setSessionId("s-1")
                .setEventId("e-DocumentChunk")
                .setTokensIngested(123_456L)
                .setCacheEntriesPerLayer(List.of(4096, 4096, 2048))
                .setCacheBytes(25_165_824L)
                .setPagesWritten(3)
                .setEvictions(119_360L)
                .setStatus("ok")
                .setDetail(Map.of("episode", "12"))
                .build();
    }

    static Rejected rejected() {
        return Rejected.newBuilder()
                .setSourceTopic("longstream.events")
                .setPartition(3)
                .setOffset(1_000_000_007L)
                .setKey(ByteBuffer.wrap("s-1".getBytes(StandardCharsets.UTF_8)))
                .setReason("unknown schema fingerprint 0x0123456789abcdef")
                .setRaw(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 1, 2, 3}))
                .build();
    }

    static List<SpecificRecord> all() {
        return List.of(
                event(chunk()), event(turn()), event(query()), event(control()),
                chunk(), turn(), query(), control(), answer(), memoryUpdate(), rejected());
    }
}
