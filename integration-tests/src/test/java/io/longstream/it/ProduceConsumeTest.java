package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.jobs.cli.LongstreamCli;
import io.longstream.jobs.io.Delivery;
import io.longstream.jobs.io.EventJson;
import io.longstream.jobs.io.EventLine;
import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.schemas.Answer;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireDecoder;
import io.longstream.schemas.WireEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code longstream produce} and {@code consume} against a real broker. */
@Timeout(120)
class ProduceConsumeTest {
    private static final String TOO_LARGE = "The request included a message larger than the max message size the server will accept.";

    @TempDir
    Path dir;

    @Test
    void produceSendsEachLineAsAnEventKeyedBySessionAndConsumePrintsAnswers() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Path file = dir.resolve("events.jsonl");
            Files.writeString(file, "{\"session\":\"a\",\"type\":\"document\",\"text\":\"tide tables\"}\n"
                    + "{\"session\":\"b\",\"type\":\"query\",\"query\":\"q1\",\"text\":\"when?\",\"max_new_tokens\":3}\n");
            assertEquals(0, cli("produce", "--bootstrap", kafka.bootstrapServers(), "--file", file.toString()).exit);
            List<ConsumerRecord<byte[], byte[]>> records = read(kafka.bootstrapServers(), "longstream.events", 2);
            WireDecoder<SessionEvent> decoder = WireDecoder.forReleased(SessionEvent.class);
            SessionEvent first = decoder.decode(records.get(0).value());
            assertEquals("a", new String(records.get(0).key(), StandardCharsets.UTF_8));
            assertEquals("tide tables", ((DocumentChunk) first.getPayload()).getText());
            assertEquals("q1", ((Query) decoder.decode(records.get(1).value()).getPayload()).getQueryId());

            Answer answer = Answer.newBuilder().setSessionId("b").setQueryId("q1").setText("at noon").setTokenIds(List.of(5, 6))
                    .setFinishReason("stop").setPromptTokens(4).setCachedTokens(9).setTimeToFirstTokenMs(1).setTotalLatencyMs(2)
                    .setPolicy("full").setModel("m").build();
            write(kafka.bootstrapServers(), "longstream.answers", WireEncoder.encode(answer));
            Result consumed = cli("consume", "--bootstrap", kafka.bootstrapServers(), "--topic", "answers", "--format", "text", "--max", "1");
            assertEquals(0, consumed.exit);
            assertTrue(consumed.out.startsWith("answer  b/q1: \"at noon\"  [stop, 2 tokens"), consumed.out);
        }
    }

    @Test
    void aFileWithABadLineSendsNothingAndNamesTheLine() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"session\":\"a\",\"type\":\"document\",\"text\":\"fine\"}\n{\"session\":\"a\",\"type\":\"gossip\"}\n");
        // no broker is needed: the file is read whole before anything is sent
        Result r = cli("produce", "--bootstrap", "127.0.0.1:1", "--file", file.toString());
        assertEquals(2, r.exit);
        assertEquals("error: line 2: type must be document, turn, query or control, got gossip", r.err.trim());
    }

    @Test
    void anEventOverTheTopicsLimitIsRefusedBeforeAnythingIsSentAndGoesWhereTheTopicTakesIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); Admin admin = admin(kafka)) {
            Path file = dir.resolve("big.jsonl");
            String big = "tide ".repeat(400_000);
            Files.writeString(file, "{\"session\":\"a\",\"type\":\"document\",\"text\":\"tide tables\"}\n\n"
                    + "{\"session\":\"a\",\"type\":\"document\",\"text\":\"" + big + "\"}\n");
            Result refused = cli("produce", "--bootstrap", kafka.bootstrapServers(), "--file", file.toString());
            assertEquals(2, refused.exit, refused.err);
            assertTrue(refused.err.matches("(?s)error: line 3: the event is 2000\\d{3} bytes as a Kafka record, more than the 1048588 "
                    + "that the broker accepts for the new topic longstream.events \\(its message.max.bytes\\); nothing was sent\\s*"),
                    refused.err);
            assertEquals("", refused.out);
            assertFalse(admin.listTopics().names().get().contains("longstream.events"), "nothing was sent, so nothing created");

            admin.createTopics(List.of(new NewTopic("roomy", 1, (short) 1).configs(Map.of("max.message.bytes", "3000000"))))
                    .all().get();
            Result sent = cli("produce", "--bootstrap", kafka.bootstrapServers(), "--file", file.toString(), "--topic", "roomy");
            assertEquals(0, sent.exit, sent.err);
            assertEquals("produced 2 events to roomy", sent.out.trim());
            List<ConsumerRecord<byte[], byte[]>> records = read(kafka.bootstrapServers(), "roomy", 2);
            assertEquals(2, records.size());
            SessionEvent second = WireDecoder.forReleased(SessionEvent.class).decode(records.get(1).value());
            assertEquals(big, ((DocumentChunk) second.getPayload()).getText());
        }
    }

    @Test
    void eventsTheBrokerRefusesAreNamedByLineWithItsReasonAndNotCounted() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic("shrinking", 1, (short) 1))).all().get();
            List<EventLine> lines = new EventJson("test").readLines(new StringReader(
                    "{\"session\":\"a\",\"type\":\"document\",\"text\":\"tide tables\"}\n# a comment\n"
                    + "{\"session\":\"a\",\"type\":\"document\",\"text\":\"" + "tide ".repeat(1000) + "\"}\n"
                    + "{\"session\":\"a\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"hello\"}\n"));
            try (EventProducer producer = new EventProducer(kafka.bootstrapServers(), "shrinking", Duration.ofSeconds(10))) {
                assertNull(producer.oversize(lines.get(1).event), "fits the topic's limit as the producer learnt it");
                // the limit drops after the producer learnt it: only the broker can refuse the record now
                lowerLimit(admin, kafka.bootstrapServers(), "shrinking", 2000);

                // the demo's path: flush() says what was lost, once
                producer.send(lines.get(1).event);
                KafkaException lost = assertThrows(KafkaException.class, producer::flush);
                assertEquals("1 record(s) were not delivered to shrinking: " + TOO_LARGE, lost.getMessage());
                producer.flush();

                // produce's path: each event's fate, by line
                Delivery delivery = Delivery.send(producer, lines);
                assertEquals(2, delivery.acknowledged);
                assertEquals(List.of("line 3: not delivered: " + TOO_LARGE), delivery.failures);
            }
        }
    }

    @Test
    void anUnreachableBrokerFailsProduceAndConsumeWithinTheirTimeout() throws Exception {
        Path file = dir.resolve("one.jsonl");
        Files.writeString(file, "{\"session\":\"a\",\"type\":\"document\",\"text\":\"tide tables\"}\n");
        Result produced = cli("produce", "--bootstrap", "127.0.0.1:1", "--file", file.toString(), "--timeout", "2");
        assertEquals(1, produced.exit, produced.err);
        assertTrue(produced.err.startsWith("error: cannot reach Kafka at 127.0.0.1:1 within 2 s ("), produced.err);
        assertEquals("", produced.out);
        Result consumed = cli("consume", "--bootstrap", "127.0.0.1:1", "--topic", "answers", "--idle-timeout", "1", "--timeout", "2");
        assertEquals(1, consumed.exit, consumed.err);
        assertTrue(consumed.err.startsWith("error: cannot reach Kafka at 127.0.0.1:1 within 2 s ("), consumed.err);
        assertEquals(2, cli("consume", "--bootstrap", "127.0.0.1:1", "--topic", "answers", "--timeout", "0").exit);
    }

    @Test
    void consumeCountsIdleTimeFromHoldingItsPartitionsAndNamesAMissingTopic() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Result missing = cli("consume", "--bootstrap", kafka.bootstrapServers(), "--topic", "answers", "--idle-timeout", "1");
            assertEquals(1, missing.exit, missing.err);
            assertEquals("error: topic longstream.answers does not exist on " + kafka.bootstrapServers(), missing.err.trim());

            Answer answer = Answer.newBuilder().setSessionId("b").setQueryId("q1").setText("at noon").setTokenIds(List.of(5, 6))
                    .setFinishReason("stop").setPromptTokens(4).setCachedTokens(9).setTimeToFirstTokenMs(1).setTotalLatencyMs(2)
                    .setPolicy("full").setModel("m").build();
            write(kafka.bootstrapServers(), "longstream.answers", WireEncoder.encode(answer));
            Result consumed = cli("consume", "--bootstrap", kafka.bootstrapServers(), "--topic", "answers", "--format", "text",
                    "--idle-timeout", "1");
            assertEquals(0, consumed.exit, consumed.err);
            assertTrue(consumed.out.startsWith("answer  b/q1: \"at noon\""), consumed.out);
        }
    }

    /** Lowers a topic's max.message.bytes and waits until the broker enforces it. */
    private static void lowerLimit(Admin admin, String bootstrap, String topic, int bytes) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry("max.message.bytes", String.valueOf(bytes)), AlterConfigOp.OpType.SET)))).all().get();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                write(bootstrap, topic, new byte[2 * bytes]);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RecordTooLargeException) {
                    return;
                }
                throw e;
            }
            assertTrue(System.nanoTime() < deadline, "the broker still takes records over " + bytes + " bytes");
            Thread.sleep(100);
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return Admin.create(p);
    }

    private static final class Result {
        int exit;
        String out;
        String err;
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        Result r = new Result();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r.exit = LongstreamCli.commandLine().setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
        } finally {
            System.setOut(stdout);
        }
        r.out = out.toString(StandardCharsets.UTF_8);
        r.err = err.toString(StandardCharsets.UTF_8);
        return r;
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "produce-test");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static void write(String bootstrap, String topic, byte[] value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, value)).get();
        }
    }
}
