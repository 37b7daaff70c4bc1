package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.inference.Fixtures;
import io.longstream.jobs.cli.LongstreamCli;
import io.longstream.jobs.cli.LongstreamJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * A bad option ends demo, run and the job with exit 2 and one line naming it, before any broker is started
 * or contacted: the demo prints nothing (its first line, "kafka: ...", comes once its broker runs), and run
 * and the job are pointed at a port where nothing listens, which they would wait on for a minute.
 */
@Timeout(60)
class OptionCheckTest {
    private static final String MODEL = Fixtures.model("llama-tiny-f32").toString();

    @Test
    void theDemoRefusesANegativeBudgetBeforeItsBrokerStarts() {
        assertRefused(LongstreamCli.commandLine(), "error: --budget must be >= 0 (0 = unbounded), got -5", "demo", "--budget=-5");
    }

    @Test
    void theDemoRefusesAnUnknownPolicyBeforeItsBrokerStarts() {
        assertRefused(LongstreamCli.commandLine(), "error: --policy nosuch: unknown cache policy 'nosuch' in 'nosuch' "
                + "(known: full, window, sinks, lacache, epicache)", "demo", "--policy", "nosuch");
    }

    @Test
    void theDemoRefusesAZeroBatchOrTokenBudgetBeforeItsBrokerStarts() {
        assertRefused(LongstreamCli.commandLine(), "error: --max-batch must be >= 1, got 0", "demo", "--max-batch", "0");
        assertRefused(LongstreamCli.commandLine(), "error: --max-batch-tokens must be >= 1, got 0", "demo", "--max-batch-tokens", "0");
    }

    @Test
    void runRefusesBadOptionsBeforeContactingKafka() throws IOException {
        assertRefused(LongstreamCli.commandLine(), "error: --budget must be >= 0 (0 = unbounded), got -5",
                "run", "--bootstrap", deadBroker(), "--model", MODEL, "--budget=-5");
        assertRefused(LongstreamCli.commandLine(), "error: --partitions must be >= 1, got 0",
                "run", "--bootstrap", deadBroker(), "--model", MODEL, "--partitions", "0");
    }

    @Test
    void theJobRefusesBadOptionsBeforeContactingKafkaOrSubmitting() throws IOException {
        assertRefused(LongstreamJob.commandLine(), "error: --policy nosuch: unknown cache policy 'nosuch' in 'nosuch' "
                + "(known: full, window, sinks, lacache, epicache)", "--bootstrap", deadBroker(), "--model", MODEL, "--policy", "nosuch");
        assertRefused(LongstreamJob.commandLine(), "error: the model folder is not set (--model)", "--bootstrap", deadBroker());
    }

    private static void assertRefused(CommandLine cl, String error, String... args) {
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            exit = cl.execute(args);
        } finally {
            System.setOut(stdout);
        }
        assertEquals(2, exit, err.toString());
        assertEquals(List.of(error), err.toString().lines().toList());
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing started, so nothing printed");
    }

    /** A loopback port where nothing listens. */
    private static String deadBroker() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
