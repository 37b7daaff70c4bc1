package io.longstream.jobs.local;

import io.longstream.jobs.io.EventProducer;
import io.longstream.schemas.Answer;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Plays a recorded stream as a conversation: events go out in file order, but a session that asked a
 * query waits for the answer, which goes back into the session as an assistant turn before the
 * session's next event (an answer becomes memory only that way). So each session's stream, and every
 * answer, is the same however fast the job runs.
 */
final class ConversationReplay {
    private final List<SessionEvent> unsent;
    private final Map<String, String> awaiting = new HashMap<>();
    private final EventProducer producer;
    private final String producerName;
    private int sent;

    ConversationReplay(List<SessionEvent> events, EventProducer producer, String producerName) {
        this.unsent = new ArrayList<>(events);
        this.producer = producer;
        this.producerName = producerName;
    }

    /**
     * Sends, in file order, every event whose session is not waiting for an answer; returns how many.
     *
     * @throws org.apache.kafka.common.KafkaException when one was not delivered, with the broker's reason
     */
    int advance() {
        int before = sent;
        for (Iterator<SessionEvent> it = unsent.iterator(); it.hasNext(); ) {
            SessionEvent e = it.next();
            if (awaiting.containsKey(e.getSessionId())) {
                continue;
            }
            producer.send(e);
            sent++;
            it.remove();
            if (e.getPayload() instanceof Query) {
                awaiting.put(e.getSessionId(), ((Query) e.getPayload()).getQueryId());
            }
        }
        producer.flush();
        return sent - before;
    }

    /** An answer arrived: it becomes the session's next turn, and the session goes on. */
    void answered(Answer answer) {
        if (!answer.getQueryId().equals(awaiting.get(answer.getSessionId()))) {
            return;
        }
        producer.send(SessionEvent.newBuilder()
                .setSessionId(answer.getSessionId())
                .setEventId(answer.getQueryId() + "-answer")
                .setEventTime(Instant.now())
                .setProducer(producerName)
                .setPayload(ConversationTurn.newBuilder().setRole("assistant").setText(answer.getText()).build())
                .build());
        // checked now: the last answer's turn has no later advance() to flush it
        producer.flush();
        sent++;
        awaiting.remove(answer.getSessionId());
    }

    /** A query was rejected: no answer will come, the session goes on. */
    void refused(String session, String queryId) {
        awaiting.remove(session, queryId);
    }

    boolean done() {
        return unsent.isEmpty() && awaiting.isEmpty();
    }

    int sent() {
        return sent;
    }

    /** Events still to send, answers sent back included (one per query not yet answered). */
    int remaining() {
        int queries = 0;
        for (SessionEvent e : unsent) {
            if (e.getPayload() instanceof Query) {
                queries++;
            }
        }
        return unsent.size() + queries + awaiting.size();
    }
}
