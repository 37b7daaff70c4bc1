package io.longstream.jobs.io;

import io.longstream.schemas.Rejected;
import java.nio.ByteBuffer;

/** The key and raw record of a {@link Rejected} as arrays (Avro hands them out as buffers). */
public final class RejectedBytes {
    private RejectedBytes() {
    }

    /** The rejected record's key, or null when it had none. */
    public static byte[] key(Rejected rejected) {
        return rejected.getKey() == null ? null : copy(rejected.getKey());
    }

    public static byte[] raw(Rejected rejected) {
        return copy(rejected.getRaw());
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
