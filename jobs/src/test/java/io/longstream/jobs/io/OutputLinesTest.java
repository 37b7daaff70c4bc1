package io.longstream.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.schemas.MemoryUpdate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which memory updates get a line of their own ({@code consume --format text}, the demo), and what it says. */
class OutputLinesTest {
    @Test
    void anUpdateWithTokensPendingIsProgressUnlessItsStatusSaysMore() {
        assertTrue(OutputLines.isProgressOnly(update(300, "ok")));
        assertFalse(OutputLines.isProgressOnly(update(0, "ok")), "its events are taken in");
        assertFalse(OutputLines.isProgressOnly(update(300, "budget exceeded")));
    }

    @Test
    void aLineSaysHowManyTokensAreNotYetInTheCache() {
        assertEquals("memory  s after d1: budget exceeded, 1000 tokens ingested (300 not yet in the cache), entries per layer [700],"
                + " 1 KiB, 2 pages written", OutputLines.describe(update(300, "budget exceeded")));
        assertEquals("memory  s after d1: ok, 1000 tokens ingested, entries per layer [1000], 1 KiB, 2 pages written",
                OutputLines.describe(update(0, "ok")));
    }

    private static MemoryUpdate update(long pending, String status) {
        return MemoryUpdate.newBuilder().setSessionId("s").setEventId("d1").setTokensIngested(1000).setTokensPending(pending)
                .setCacheEntriesPerLayer(List.of((int) (1000 - pending))).setCacheBytes(1024).setPagesWritten(2).setEvictions(0)
                .setStatus(status).setDetail(Map.of()).build();
    }
}
