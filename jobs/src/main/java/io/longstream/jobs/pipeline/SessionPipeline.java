package io.longstream.jobs.pipeline;

import io.longstream.jobs.io.RejectedBytes;
import io.longstream.operators.EventDecoder;
import io.longstream.operators.Outputs;
import io.longstream.operators.RawRecord;
import io.longstream.operators.SessionOperator;
import io.longstream.operators.SessionStateDescriptors;
import io.longstream.operators.SourcedEvent;
import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The job graph: events topic → decode and validate → keyBy(session) → session inference → answers,
 * memory updates and rejects, each through an exactly-once Kafka sink. Operator uids are stable:
 * savepoints depend on them.
 */
public final class SessionPipeline {
    /** Above the longest checkpoint plus recovery; at most the broker's transaction.max.timeout.ms (15 min). */
    private static final String TRANSACTION_TIMEOUT_MS = "600000";

    private SessionPipeline() {
    }

    /** @param settings checked ({@link PipelineSettings#check()}) by the caller, before anything started */
    public static void build(StreamExecutionEnvironment env, PipelineSettings settings) {
        env.setParallelism(settings.parallelism);
        env.setMaxParallelism(settings.maxParallelism);
        Topics topics = settings.topics;
        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(settings.bootstrap)
                .setTopics(topics.events)
                .setGroupId(settings.groupId)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .build();
        DataStream<RawRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "events")
                .uid("events-source");
        SingleOutputStreamOperator<SourcedEvent> events = records.process(new EventDecoder(settings.limits()))
                .name("decode and validate").uid("event-decoder");
        SingleOutputStreamOperator<Answer> answers = events
                .keyBy(SourcedEvent::getSessionId, Types.STRING)
                .transform("sessions", new AvroTypeInfo<>(Answer.class), new SessionOperator(settings.sessionConfig()))
                .uid(SessionStateDescriptors.OPERATOR_UID);
        answers.sinkTo(sink(settings, topics.answers, "answers", (Answer a) -> utf8(a.getSessionId())))
                .name("answers").uid("answers-sink");
        answers.getSideOutput(Outputs.MEMORY)
                .sinkTo(sink(settings, topics.memory, "memory", (MemoryUpdate m) -> utf8(m.getSessionId())))
                .name("memory updates").uid("memory-sink");
        events.getSideOutput(Outputs.REJECTS).union(answers.getSideOutput(Outputs.REJECTS))
                .sinkTo(sink(settings, topics.rejects, "rejects", RejectedBytes::key))
                .name("rejects").uid("rejects-sink");
    }

    private static <T extends SpecificRecord> KafkaSink<T> sink(PipelineSettings settings, String topic, String name,
                                                                WireRecordSerializer.RecordKey<T> key) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(settings.bootstrap)
                .setRecordSerializer(new WireRecordSerializer<>(topic, key))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(settings.transactionalIdPrefix + "-" + name)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
