package io.longstream.jobs.local;

import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Rejected;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/** The figures of the demo's summary line. */
final class DemoTally {
    final Set<String> sessions = new HashSet<>();
    int events;
    int answers;
    /** Answers equal to their query's expected answer, once normalised; of {@link #scoredQueries}. */
    int correct;
    /** The queries of the stream with an expected answer (a query rejected or not answered counts as not correct). */
    private final int scoredQueries;
    int rejected;
    int memoryUpdates;
    long pagesWritten;
    private final Map<String, Long> tokensIngested = new HashMap<>();

    DemoTally(int scoredQueries) {
        this.scoredQueries = scoredQueries;
    }

    /** Counts an output record. */
    void count(SpecificRecord record) {
        if (record instanceof Answer) {
            answers++;
        } else if (record instanceof MemoryUpdate) {
            memory((MemoryUpdate) record);
        } else if (record instanceof Rejected) {
            rejected++;
        }
    }

    private void memory(MemoryUpdate m) {
        memoryUpdates++;
        pagesWritten += m.getPagesWritten();
        tokensIngested.put(m.getSessionId(), m.getTokensIngested());
    }

    String summary(double seconds) {
        long tokens = tokensIngested.values().stream().mapToLong(Long::longValue).sum();
        // a stream without expected answers (a user's own) has nothing to score
        String score = scoredQueries == 0 ? "" : String.format(" correct=%d/%d", correct, scoredQueries);
        return String.format("summary: sessions=%d events=%d answers=%d%s rejected=%d memory_updates=%d tokens_ingested=%d"
                        + " pages_written=%d seconds=%.1f",
                sessions.size(), events, answers, score, rejected, memoryUpdates, tokens, pagesWritten, seconds);
    }
}
