package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.jobs.cli.LongstreamCli;
import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.schemas.Answer;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.WireDecoder;
import io.longstream.schemas.WireEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code longstream produce} and {@code consume} against a real broker. */
@Timeout(120)
class ProduceConsumeTest {
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
