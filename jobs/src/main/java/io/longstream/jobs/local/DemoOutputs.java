package io.longstream.jobs.local;

import io.longstream.conversations.ExpectedAnswer;
import io.longstream.jobs.io.OutputLines;
import io.longstream.jobs.io.RejectedBytes;
import io.longstream.schemas.Answer;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.UndecodableRecordException;
import io.longstream.schemas.WireDecoder;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns the demo's output records into its lines: an answer (beside its expected answer, where the stream has one) or a
 * rejected query under the question it answers, and a memory update only once its events are taken in (the updates of
 * each prefill chunk between feed the progress).
 */
final class DemoOutputs {
    private final WireDecoder<SessionEvent> eventDecoder = WireDecoder.forReleased(SessionEvent.class);
    /** The text of each query played, by session and query id. */
    private final Map<String, String> questions = new HashMap<>();
    private final DemoStream stream;
    private final DemoTally tally;
    private final DemoProgress progress;

    DemoOutputs(DemoStream stream, DemoTally tally, DemoProgress progress) {
        this.stream = stream;
        for (SessionEvent e : stream.events()) {
            if (e.getPayload() instanceof Query) {
                Query q = (Query) e.getPayload();
                questions.put(key(e.getSessionId(), q.getQueryId()), q.getText());
            }
        }
        this.tally = tally;
        this.progress = progress;
    }

    /** Counts the record and hands its lines, if any, to {@code print}. */
    void take(SpecificRecord record, Consumer<String> print) {
        tally.count(record);
        if (record instanceof Answer) {
            answer((Answer) record, print);
            return;
        }
        if (record instanceof MemoryUpdate) {
            progress.memory((MemoryUpdate) record);
        } else if (record instanceof Rejected) {
            refusedQuery((Rejected) record).ifPresent(e -> print.accept(
                    OutputLines.describeQuery(e.getSessionId(), ((Query) e.getPayload()).getQueryId(), ((Query) e.getPayload()).getText())));
        }
        if (!OutputLines.isProgressOnly(record)) {
            print.accept(OutputLines.describe(record));
        }
    }

    private void answer(Answer a, Consumer<String> print) {
        String question = questions.get(key(a.getSessionId(), a.getQueryId()));
        if (question != null) {
            print.accept(OutputLines.describeQuery(a.getSessionId(), a.getQueryId(), question));
        }
        print.accept(OutputLines.describe(a, besideExpected(a)));
    }

    /** {@code  expected "X": right} (or wrong) where the stream says what the answer should be; counts the right ones. */
    private String besideExpected(Answer a) {
        Optional<ExpectedAnswer> expected = stream.expected(a.getSessionId(), a.getQueryId());
        if (expected.isEmpty()) {
            return "";
        }
        boolean right = expected.get().isAnsweredBy(a.getText());
        if (right) {
            tally.correct++;
        }
        return "  expected " + OutputLines.quote(expected.get().expected()) + (right ? ": right" : ": wrong");
    }

    /** The query event that was rejected, if the rejected record was one. */
    Optional<SessionEvent> refusedQuery(Rejected rejected) {
        try {
            SessionEvent e = eventDecoder.decode(RejectedBytes.raw(rejected));
            return e.getPayload() instanceof Query ? Optional.of(e) : Optional.empty();
        } catch (UndecodableRecordException notAnEvent) {
            // a record that never was an event answers no query
            return Optional.empty();
        }
    }

    private static String key(String session, String queryId) {
        return session + '\0' + queryId;
    }
}
