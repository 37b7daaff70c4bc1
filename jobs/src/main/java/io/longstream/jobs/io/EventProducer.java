package io.longstream.jobs.io;

import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes session events to the events topic, keyed by session id, idempotently and in order per session. */
public final class EventProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public EventProducer(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        this.topic = topic;
    }

    public Future<RecordMetadata> send(SessionEvent event) {
        return sendRaw(event.getSessionId().getBytes(StandardCharsets.UTF_8), WireEncoder.encode(event));
    }

    /** Sends bytes as they are: for records that are not events (tests of the rejects path, foreign producers). */
    public Future<RecordMetadata> sendRaw(byte[] key, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, key, value));
    }

    /** Waits until every record sent so far is acknowledged. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
