package io.longstream.jobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.longstream.schemas.MemoryUpdate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's progress where stderr is not a terminal: plain lines, at most one per interval, with rate and ETA. */
class DemoConsoleTest {
    private static final long SECOND = 1_000_000_000L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final DemoProgress progress = new DemoProgress();
    private final DemoConsole console = new DemoConsole(print(out), print(err), false, progress, Duration.ofSeconds(5));

    @Test
    void aLongDocumentShowsPlainPeriodicLinesWithRateAndEta() {
        progress.events(0, 3);
        console.progress(0);
        progress.events(2, 3);
        progress.memory(update("book", 10_000, 9_000));
        console.progress(SECOND);
        progress.memory(update("book", 10_000, 7_000));
        console.progress(3 * SECOND);
        console.line("result line");
        progress.memory(update("book", 10_000, 5_000));
        console.progress(5 * SECOND);
        progress.memory(update("book", 10_000, 0));
        progress.events(3, 3);
        console.progress(7 * SECOND);
        console.close();

        assertEquals(List.of(
                "progress: events 0/3 sent",
                // 4,000 tokens taken in between the samples at 1 s and 5 s; 5,000 left at that rate
                "progress: events 2/3 sent, tokens 5,000/10,000 taken in, 1,000 tok/s, ETA 5s",
                "progress: events 3/3 sent, tokens 10,000/10,000 taken in"), lines(err));
        assertEquals(List.of("result line"), lines(out));
        String all = err.toString(StandardCharsets.UTF_8);
        assertFalse(all.contains("\r") || all.contains("\u001b"), all);
    }

    @Test
    void theRateNeedsTwoSamplesOfWorkAndARestartedSessionDoesNotRunItBackwards() {
        progress.memory(update("a", 1_000, 900));
        progress.sample(0);
        assertEquals("events 0/0 sent, tokens 100/1,000 taken in", progress.describe());
        progress.memory(update("a", 0, 0));
        progress.memory(update("a", 2_000, 1_800));
        progress.sample(SECOND);
        // 100 tokens before the reset and 200 after it: 200 taken in during the second
        assertEquals("events 0/0 sent, tokens 200/2,000 taken in, 200 tok/s, ETA 9s", progress.describe());
    }

    @Test
    void durationsReadAsAPersonWritesThem() {
        assertEquals("42s", DemoProgress.durationText(Duration.ofSeconds(42)));
        assertEquals("4m32s", DemoProgress.durationText(Duration.ofSeconds(272)));
        assertEquals("1h01m", DemoProgress.durationText(Duration.ofSeconds(3_700)));
    }

    private static MemoryUpdate update(String session, long ingested, long pending) {
        return MemoryUpdate.newBuilder()
                .setSessionId(session)
                .setEventId(session + "-1")
                .setTokensIngested(ingested)
                .setTokensPending(pending)
                .setCacheEntriesPerLayer(List.of((int) (ingested - pending)))
                .setCacheBytes(0)
                .setPagesWritten(0)
                .setEvictions(0)
                .setStatus("ok")
                .setDetail(Map.of())
                .build();
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private static List<String> lines(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
