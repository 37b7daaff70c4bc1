package io.longstream.jobs.pipeline;

import io.longstream.schemas.WireEncoder;
import java.io.Serializable;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a record Avro single-object encoded to one topic, keyed by what {@code key} picks (the session id). */
final class WireRecordSerializer<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    /** Picks a record's Kafka key. */
    interface RecordKey<T> extends Function<T, byte[]>, Serializable {
    }

    private final String topic;
    private final RecordKey<T> key;

    WireRecordSerializer(String topic, RecordKey<T> key) {
        this.topic = topic;
        this.key = key;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, timestamp, key.apply(record), WireEncoder.encode(record));
    }
}
