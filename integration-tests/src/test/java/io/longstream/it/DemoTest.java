package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.jobs.cli.LongstreamCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code longstream demo}, in-process through the CLI's main class: broker, MiniCluster, job, sample stream. */
class DemoTest {
    @Test
    @Timeout(300)
    void theDemoPlaysTheSampleStreamAndSummarisesIt() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = LongstreamCli.commandLine().execute("demo", "--timeout", "180", "--threads", "1");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        stdout.print(out);
        assertEquals(0, exit, out);
        List<String> lines = Arrays.asList(out.split("\n"));
        assertTrue(lines.get(0).startsWith("kafka: "), out);
        assertTrue(lines.get(1).startsWith("flink web UI: http://127.0.0.1:"), out);
        List<String> answers = lines.stream().filter(l -> l.startsWith("answer ")).collect(Collectors.toList());
        assertEquals(5, answers.size(), out);
        String summary = lines.get(lines.size() - 1);
        // 13 events in the sample, plus each of the 5 answers sent back as an assistant turn; every query
        // finds tokens pending and flushes them first, so one memory update per query
        assertTrue(summary.startsWith("summary: sessions=3 events=18 answers=5 rejected=0 memory_updates=5 "), summary);
    }
}
