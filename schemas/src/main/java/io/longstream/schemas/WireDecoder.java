package io.longstream.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads single-object encoded bytes as one record class, resolving whichever known version wrote
 * them to the class's current schema. Thread-safe: one instance may serve every thread.
 *
 * <p>It parses the header itself, rather than through Avro's {@code BinaryMessageDecoder}, to
 * name each failure precisely and to reject trailing bytes.
 */
public final class WireDecoder<T extends SpecificRecord> {
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_LENGTH = 10;

    private final SpecificData model;
    private final Schema readerSchema;
    private final SchemaStore writerSchemas;
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

    /** A decoder that knows the writer schemas in {@code writerSchemas}. */
    public WireDecoder(Class<T> type, SchemaStore writerSchemas) {
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
        this.writerSchemas = writerSchemas;
    }

    /** A decoder that knows every released version of {@code type}. */
    public static <T extends SpecificRecord> WireDecoder<T> forReleased(Class<T> type) {
        Schema current = SpecificData.getForClass(type).getSchema(type);
        return new WireDecoder<>(type, ReleasedSchemas.store(current));
    }

    /** The record the bytes hold; the exception's message says why when they hold none. */
    public T decode(byte[] bytes) throws UndecodableRecordException {
        if (bytes.length < HEADER_LENGTH) {
            throw new UndecodableRecordException(
                    "not Avro single-object encoded (" + bytes.length + " bytes, shorter than the header)");
        }
        if (bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new UndecodableRecordException("not Avro single-object encoded (bad marker)");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        DatumReader<T> reader = readerFor(fingerprint);
        // A decoder over the array checks string and bytes lengths against what is left, so a corrupt
        // length fails instead of being allocated (collection counts are bounded only by Avro's
        // org.apache.avro.limits.collectionItems.maxLength).
        BinaryDecoder body =
                DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
        try {
            T record = reader.read(null, body);
            if (body.remainingBytes() > 0) {
                throw new UndecodableRecordException(
                        "truncated or corrupt body: " + body.remainingBytes() + " bytes left after the record");
            }
            return record;
        } catch (SecurityException e) {
            // A class outside org.apache.avro.SERIALIZABLE_PACKAGES is the JVM's fault, not the record's.
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException("truncated or corrupt body: " + describe(e), e);
        }
    }

    private static String describe(Exception e) {
        String name = e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }

    private DatumReader<T> readerFor(long fingerprint) throws UndecodableRecordException {
        DatumReader<T> reader = readers.get(fingerprint);
        if (reader == null) {
            Schema writerSchema = writerSchemas.findByFingerprint(fingerprint);
            if (writerSchema == null) {
                throw new UndecodableRecordException(
                        String.format("unknown schema fingerprint 0x%016x", fingerprint));
            }
            reader = new SpecificDatumReader<>(writerSchema, readerSchema, model);
            readers.putIfAbsent(fingerprint, reader);
        }
        return reader;
    }
}
