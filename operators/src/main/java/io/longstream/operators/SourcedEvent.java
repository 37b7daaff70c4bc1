package io.longstream.operators;

import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import java.nio.ByteBuffer;

/**
 * A decoded, validated event with the coordinates and bytes of the record it came from, which a
 * later reject (budget exceeded, CLOSE of an unknown session) must name.
 */
public class SourcedEvent {
    public String sessionId;
    public SessionEvent event;
    public RawRecord source;

    public SourcedEvent() {
    }

    public SourcedEvent(SessionEvent event, RawRecord source) {
        this.sessionId = event.getSessionId();
        this.event = event;
        this.source = source;
    }

    public String getSessionId() {
        return sessionId;
    }

    /** The reject record for this event's source record. */
    public Rejected rejected(String reason) {
        return rejection(source, reason);
    }

    static Rejected rejection(RawRecord source, String reason) {
        return Rejected.newBuilder()
                .setSourceTopic(source.topic)
                .setPartition(source.partition)
                .setOffset(source.offset)
                .setKey(source.key == null ? null : ByteBuffer.wrap(source.key))
                .setReason(reason)
                .setRaw(ByteBuffer.wrap(source.value == null ? new byte[0] : source.value))
                .build();
    }
}
