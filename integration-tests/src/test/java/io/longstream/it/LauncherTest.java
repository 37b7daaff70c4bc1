package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.jobs.local.EmbeddedKafka;
import io.longstream.jobs.pipeline.TopicSetup;
import io.longstream.jobs.pipeline.Topics;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.WireEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code ./longstream} launcher as a user runs it, on the jars this build made (LONGSTREAM_SKIP_BUILD: the
 * launcher would otherwise rebuild them with Maven): its stderr filter, exit statuses and signals.
 */
@Timeout(120)
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "longstream").toAbsolutePath().normalize();
    private static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    @Test
    void helpListsEveryCommandWithoutTheJvmsIncubatorWarning() throws Exception {
        Finished help = run("--help");
        assertEquals(0, help.exit, help.err);
        assertEquals("", help.err, "nothing on stderr, the incubator warning included");
        assertTrue(help.out.startsWith("Usage: longstream "), help.out);
        assertTrue(Pattern.compile("^  demo +Play a stream of sessions", Pattern.MULTILINE).matcher(help.out).find(), help.out);
    }

    @Test
    void noCommandExitsTwoWithTheUsageOnStderr() throws Exception {
        Finished bare = run();
        assertEquals(2, bare.exit, bare.err);
        assertEquals("", bare.out);
        assertTrue(bare.err.startsWith("Usage: longstream "), bare.err);
        assertFalse(bare.err.contains(INCUBATOR_WARNING), bare.err);
    }

    /**
     * {@code consume --format text} prints the memory update that takes its event in, not the one before it with tokens
     * still pending, and then waits for more until a signal stops it: the launcher's process is the JVM itself.
     */
    @Test
    void consumeShowsTheUpdateThatTakesTheEventInAndASignalStopsIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Topics topics = Topics.defaults();
            TopicSetup.ensure(kafka.bootstrapServers(), topics, 1, (short) 1);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
                // keyed by session, as the job writes them: one partition, in this order
                for (long pending : new long[] {300, 0}) {
                    producer.send(new ProducerRecord<>(topics.memory, "s".getBytes(StandardCharsets.UTF_8),
                            WireEncoder.encode(update(pending)))).get();
                }
            }
            Process consume = launcher("consume", "--bootstrap", kafka.bootstrapServers(), "--topic", "memory", "--format", "text")
                    .redirectError(Redirect.DISCARD).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(consume.getInputStream(), StandardCharsets.UTF_8))) {
                // the first line is the second update: the first, with tokens pending, is progress and has none
                assertEquals("memory  s after d1: ok, 1000 tokens ingested, entries per layer [1000], 1 KiB, 2 pages written",
                        out.readLine());
                assertTrue(consume.isAlive(), "consume waits for more");
                assertTrue(consume.info().command().orElse("").endsWith("java"),
                        "the launcher execs the JVM, so the process a caller holds is the JVM: " + consume.info().command());
                consume.destroy();
                assertTrue(consume.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the JVM");
                assertEquals(143, consume.exitValue(), "128 + SIGTERM");
            }
        }
    }

    private static MemoryUpdate update(long pending) {
        return MemoryUpdate.newBuilder().setSessionId("s").setEventId("d1").setTokensIngested(1000).setTokensPending(pending)
                .setCacheEntriesPerLayer(List.of((int) (1000 - pending))).setCacheBytes(1024).setPagesWritten(2).setEvictions(0)
                .setStatus("ok").setDetail(Map.of()).build();
    }

    private record Finished(int exit, String out, String err) {
    }

    /** Runs the launcher to its end; both streams are read to their end, so what the stderr filter passes is all there. */
    private static Finished run(String... args) throws Exception {
        Process p = launcher(args).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the launcher ends");
        return new Finished(p.exitValue(), out, err.get(90, TimeUnit.SECONDS));
    }

    private static ProcessBuilder launcher(String... args) {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LONGSTREAM_SKIP_BUILD", "1");
        return pb;
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
