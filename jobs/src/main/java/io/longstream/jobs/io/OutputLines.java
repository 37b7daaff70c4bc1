package io.longstream.jobs.io;

import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Rejected;
import org.apache.avro.specific.SpecificRecord;

/** One readable line per output record, as the demo and {@code consume --format text} print them. */
public final class OutputLines {
    private OutputLines() {
    }

    /**
     * Whether the record only reports progress: a memory update after a prefill chunk, with tokens of its events still
     * pending. A reader prints a line for the update that takes them in (or says something else went on) instead.
     */
    public static boolean isProgressOnly(SpecificRecord record) {
        return record instanceof MemoryUpdate
                && ((MemoryUpdate) record).getTokensPending() > 0 && ((MemoryUpdate) record).getStatus().equals("ok");
    }

    public static String describe(SpecificRecord record) {
        if (record instanceof Answer) {
            return describe((Answer) record);
        }
        if (record instanceof MemoryUpdate) {
            return describe((MemoryUpdate) record);
        }
        if (record instanceof Rejected) {
            return describe((Rejected) record);
        }
        return record.toString();
    }

    /** The question asked, printed beside its answer. */
    public static String describeQuery(String session, String queryId, String text) {
        return String.format("query   %s/%s: %s", session, queryId, quote(text));
    }

    public static String describe(Answer a) {
        return describe(a, "");
    }

    /** The answer with {@code beside} (what it should have been, say) after its text. */
    public static String describe(Answer a, String beside) {
        return String.format("answer  %s/%s: %s%s  [%s, %d tokens, prompt %d, cached %d, first token %d ms, total %d ms]",
                a.getSessionId(), a.getQueryId(), quote(a.getText()), beside, a.getFinishReason(), a.getTokenIds().size(),
                a.getPromptTokens(), a.getCachedTokens(), a.getTimeToFirstTokenMs(), a.getTotalLatencyMs());
    }

    public static String describe(MemoryUpdate m) {
        String pending = m.getTokensPending() > 0 ? " (" + m.getTokensPending() + " not yet in the cache)" : "";
        return String.format("memory  %s after %s: %s, %d tokens ingested%s, entries per layer %s, %d KiB, %d pages written",
                m.getSessionId(), m.getEventId(), m.getStatus(), m.getTokensIngested(), pending, m.getCacheEntriesPerLayer(),
                m.getCacheBytes() / 1024, m.getPagesWritten());
    }

    public static String describe(Rejected r) {
        return String.format("reject  %s[%d]@%d: %s", r.getSourceTopic(), r.getPartition(), r.getOffset(), r.getReason());
    }

    public static String quote(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
