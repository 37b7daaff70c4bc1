package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class EventDecoderTest {
    private static final EventLimits LIMITS = new EventLimits(64, 32);

    @Test
    void aGoodEventPassesWithItsCoordinates() throws Exception {
        SessionEvent e = event("s", "e1", DocumentChunk.newBuilder().setDocId("d").setText("fine").setMetadata(Map.of()).build());
        try (OneInputStreamOperatorTestHarness<RawRecord, SourcedEvent> h = decoder()) {
            h.processElement(new StreamRecord<>(new RawRecord("events", 3, 17, 0, key("s"), WireEncoder.encode(e))));
            List<SourcedEvent> out = h.extractOutputValues();
            assertEquals(1, out.size());
            assertEquals("s", out.get(0).sessionId);
            assertEquals(e, out.get(0).event);
            assertEquals(17, out.get(0).source.offset);
        }
    }

    @Test
    void eachBadRecordIsRejectedWithItsReasonAndCoordinates() throws Exception {
        Object[][] cases = {
            {"plainly not an Avro record".getBytes(StandardCharsets.UTF_8), "not Avro single-object encoded (bad marker)"},
            {null, "record has no value"},
            {encode("s", DocumentChunk.newBuilder().setDocId("d").setText("x".repeat(65)).setMetadata(Map.of()).build()),
                "document text of 65 bytes exceeds the limit of 64 bytes"},
            {encode("s", ConversationTurn.newBuilder().setRole("").setText("hi").build()), "turn role is empty"},
            {encode("s", Query.newBuilder().setQueryId("q").setText("?").setMaxNewTokens(-1).build()), "max new tokens must be >= 1, got -1"},
            {encode("s", Query.newBuilder().setQueryId("q").setText("?").setMaxNewTokens(33).build()), "max new tokens 33 exceeds the limit of 32"},
            {encode("s", Query.newBuilder().setQueryId("q").setText("?").setMaxNewTokens(4).setTopP(0f).build()), "top-p must be in (0, 1], got 0.0"},
            {encode("s", Query.newBuilder().setQueryId("q").setText("?").setMaxNewTokens(4).setTemperature(-1f).build()),
                "temperature must be a finite number >= 0, got -1.0"},
            {encode("s", Control.newBuilder().setAction(ControlAction.SET_POLICY).build()), "SET_POLICY needs a policy spec"},
            {encode("other", Control.newBuilder().setAction(ControlAction.RESET).build()), "record key does not match session id other"},
        };
        try (OneInputStreamOperatorTestHarness<RawRecord, SourcedEvent> h = decoder()) {
            for (int i = 0; i < cases.length; i++) {
                h.processElement(new StreamRecord<>(new RawRecord("events", 1, i, 0, key("s"), (byte[]) cases[i][0])));
            }
            assertEquals(0, h.extractOutputValues().size());
            List<Rejected> rejects = new ArrayList<>();
            h.getSideOutput(Outputs.REJECTS).forEach(r -> rejects.add(r.getValue()));
            assertEquals(cases.length, rejects.size());
            for (int i = 0; i < cases.length; i++) {
                Rejected r = rejects.get(i);
                assertEquals(cases[i][1], r.getReason());
                assertEquals("events", r.getSourceTopic());
                assertEquals(1, r.getPartition());
                assertEquals(i, r.getOffset());
            }
        }
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, SourcedEvent> decoder() throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(new EventDecoder(LIMITS));
    }

    private static byte[] encode(String session, Object payload) {
        return WireEncoder.encode(event(session, "e", payload));
    }

    private static byte[] key(String session) {
        return session.getBytes(StandardCharsets.UTF_8);
    }
}
