package io.longstream.jobs.io;

import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes session events to the events topic, keyed by session id, idempotently and in order per
 * session. Opening it reaches the broker and learns the largest record the topic accepts; every send
 * is delivered or fails within the timeout, and {@link #flush()} throws when one failed.
 */
public final class EventProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final RecordLimit limit;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final AtomicInteger failures = new AtomicInteger();

    public EventProducer(String bootstrap, String topic) {
        this(bootstrap, topic, BrokerTimeout.DEFAULT);
    }

    /** @throws KafkaException when the broker cannot be reached within {@code timeout} */
    public EventProducer(String bootstrap, String topic, Duration timeout) {
        this.topic = topic;
        this.limit = RecordLimit.of(bootstrap, topic, timeout);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // the topic's limit is the only one: a record the broker takes is never refused here
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, limit.bytes);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L << 20, 2L * limit.bytes));
        // a send waits for metadata, then is delivered or failed, each within the timeout; half of it per
        // request leaves room for a retry (and keeps delivery.timeout.ms >= linger.ms + request.timeout.ms, as Kafka requires)
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis() / 2);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    /** Why the broker would refuse this event for its size, or null when it fits. */
    public String oversize(SessionEvent event) {
        int size = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                key(event), WireEncoder.encode(event), Record.EMPTY_HEADERS);
        return size <= limit.bytes ? null
                : "the event is " + size + " bytes as a Kafka record, more than the " + limit.bytes + " " + limit.source;
    }

    /** Sends one event; its future (and the next {@link #flush()}) says whether it was delivered. */
    public Future<RecordMetadata> send(SessionEvent event) {
        return sendRaw(key(event), WireEncoder.encode(event));
    }

    /** Sends bytes as they are: for records that are not events (tests of the rejects path, foreign producers). */
    public Future<RecordMetadata> sendRaw(byte[] key, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> {
            if (failure != null) {
                firstFailure.compareAndSet(null, failure);
                failures.incrementAndGet();
            }
        });
    }

    /**
     * Waits until every record sent so far is acknowledged or has failed.
     *
     * @throws KafkaException naming how many failed since the last flush, and the first one's reason
     */
    public void flush() {
        producer.flush();
        Exception first = firstFailure.getAndSet(null);
        if (first != null) {
            throw new KafkaException(failures.getAndSet(0) + " record(s) were not delivered to " + topic + ": "
                    + first.getMessage(), first);
        }
    }

    /** Closes without checking: call {@link #flush()} first where the last sends matter. */
    @Override
    public void close() {
        producer.close();
    }

    private static byte[] key(SessionEvent event) {
        return event.getSessionId().getBytes(StandardCharsets.UTF_8);
    }

    /** The largest record the topic takes, and where that number comes from. */
    private static final class RecordLimit {
        final int bytes;
        final String source;

        private RecordLimit(int bytes, String source) {
            this.bytes = bytes;
            this.source = source;
        }

        /** The topic's max.message.bytes; for a topic still to be created, the broker's message.max.bytes (the topic's default). */
        static RecordLimit of(String bootstrap, String topic, Duration timeout) {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
            try (Admin admin = Admin.create(p)) {
                try {
                    return new RecordLimit(value(admin, new ConfigResource(ConfigResource.Type.TOPIC, topic), "max.message.bytes"),
                            "that topic " + topic + " accepts (its max.message.bytes)");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw failed(bootstrap, timeout, "the configuration of topic " + topic, e.getCause());
                    }
                }
                try {
                    List<Node> nodes = List.copyOf(admin.describeCluster().nodes().get());
                    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.get(0).idString());
                    return new RecordLimit(value(admin, broker, "message.max.bytes"),
                            "that the broker accepts for the new topic " + topic + " (its message.max.bytes)");
                } catch (ExecutionException e) {
                    throw failed(bootstrap, timeout, "the broker's configuration", e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while asking " + bootstrap + " for the limits of " + topic, e);
            }
        }

        private static int value(Admin admin, ConfigResource resource, String name) throws ExecutionException, InterruptedException {
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            return Integer.parseInt(config.get(name).value());
        }

        private static KafkaException failed(String bootstrap, Duration timeout, String what, Throwable cause) {
            return cause instanceof TimeoutException ? BrokerTimeout.unreachable(bootstrap, timeout, cause)
                    : new KafkaException("cannot read " + what + " from " + bootstrap + ": " + cause.getMessage(), cause);
        }
    }
}
