package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
        assertTrue(help.out.contains("  demo        Play a stream of sessions"), help.out);
    }

    @Test
    void noCommandExitsTwoWithTheUsageOnStderr() throws Exception {
        Finished bare = run();
        assertEquals(2, bare.exit, bare.err);
        assertEquals("", bare.out);
        assertTrue(bare.err.startsWith("Usage: longstream "), bare.err);
        assertFalse(bare.err.contains(INCUBATOR_WARNING), bare.err);
    }

    @Test
    void theLaunchersProcessIsTheJvmSoASignalStopsIt() throws Exception {
        // a consumer of a broker that is not there waits forever, until stopped
        Process consume = launcher("consume", "--bootstrap", "127.0.0.1:9", "--topic", "answers")
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).start();
        String command = consume.info().command().orElse("");
        for (int i = 0; i < 100 && !command.endsWith("java"); i++) {
            Thread.sleep(100);
            command = consume.info().command().orElse("");
        }
        assertTrue(command.endsWith("java"), "the launcher execs the JVM, so the id a caller holds is the JVM's: " + command);
        consume.destroy();
        assertTrue(consume.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the JVM");
        assertEquals(143, consume.exitValue(), "128 + SIGTERM");
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
