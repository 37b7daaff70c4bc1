package io.longstream.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes records in Avro single-object encoding: marker {@code C3 01}, the 8-byte little-endian
 * CRC-64-AVRO fingerprint of the record's schema, then the binary body. Thread-safe.
 */
public final class WireEncoder {
    // One encoder per record class, built with the class's own model so logical types convert.
    private static final ClassValue<BinaryMessageEncoder<SpecificRecord>> ENCODERS =
            new ClassValue<>() {
                @Override
                protected BinaryMessageEncoder<SpecificRecord> computeValue(Class<?> type) {
                    SpecificData model = SpecificData.getForClass(type);
                    return new BinaryMessageEncoder<>(model, model.getSchema(type));
                }
            };

    private WireEncoder() {}

    /** The record as single-object encoded bytes. */
    public static byte[] encode(SpecificRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ENCODERS.get(record.getClass()).encode(record, out);
        } catch (IOException e) {
            // Unreachable: writing to memory does no I/O; the checked exception is the interface's.
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
