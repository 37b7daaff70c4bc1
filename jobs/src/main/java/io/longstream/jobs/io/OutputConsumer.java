package io.longstream.jobs.io;

import io.longstream.jobs.pipeline.Topics;
import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.UndecodableRecordException;
import io.longstream.schemas.WireDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the pipeline's output topics from the beginning, decoded: read_committed by default, so
 * only what the exactly-once sinks committed is seen (read_uncommitted shows the transactions' raw
 * writes, duplicates of an aborted attempt included). It takes every partition of its topics itself
 * (no consumer group, nothing committed): once it is open, its partitions and their start positions
 * are known, and a poll returns what is there.
 */
public final class OutputConsumer implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, WireDecoder<? extends SpecificRecord>> decoders;

    /**
     * @throws KafkaException when the broker cannot be reached within {@code timeout}, or a topic does
     *     not exist (reading never creates one)
     */
    public OutputConsumer(String bootstrap, Topics topics, Collection<String> names, boolean readCommitted, Duration timeout) {
        decoders = names.stream().collect(Collectors.toMap(n -> n, n -> decoderFor(topics, n)));
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String name : names) {
                List<PartitionInfo> found = consumer.partitionsFor(name, timeout);
                if (found.isEmpty()) {
                    throw new UnknownTopicOrPartitionException("topic " + name + " does not exist on " + bootstrap);
                }
                found.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            partitions.forEach(tp -> consumer.position(tp, timeout));
        } catch (TimeoutException e) {
            consumer.close();
            throw BrokerTimeout.unreachable(bootstrap, timeout, e);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** All three outputs (answers, memory, rejects), read_committed. */
    public static OutputConsumer ofAll(String bootstrap, Topics topics) {
        return new OutputConsumer(bootstrap, topics, topics.outputs(), true, BrokerTimeout.DEFAULT);
    }

    /** The records that arrived within {@code wait}; a record that does not decode fails loudly (our own output). */
    public List<OutputRecord> poll(Duration wait) {
        List<OutputRecord> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            try {
                out.add(new OutputRecord(r.topic(), r.partition(), r.offset(), decoders.get(r.topic()).decode(r.value())));
            } catch (UndecodableRecordException e) {
                throw new IllegalStateException("output record " + new TopicPartition(r.topic(), r.partition()) + "@"
                        + r.offset() + " does not decode: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static WireDecoder<? extends SpecificRecord> decoderFor(Topics topics, String topic) {
        if (topic.equals(topics.answers)) {
            return WireDecoder.forReleased(Answer.class);
        }
        if (topic.equals(topics.memory)) {
            return WireDecoder.forReleased(MemoryUpdate.class);
        }
        if (topic.equals(topics.rejects)) {
            return WireDecoder.forReleased(Rejected.class);
        }
        throw new IllegalArgumentException("topic " + topic + " is not an output topic (" + topics.outputs() + ")");
    }

    @Override
    public void close() {
        consumer.close();
    }
}
