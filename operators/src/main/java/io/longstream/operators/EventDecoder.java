package io.longstream.operators;

import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.schemas.UndecodableRecordException;
import io.longstream.schemas.WireDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;

/**
 * Decodes records of the events topic and checks them against the limits; a record that does not
 * decode or breaks a limit goes to {@link Outputs#REJECTS} with its coordinates and the reason, and
 * the job goes on.
 */
public final class EventDecoder extends ProcessFunction<RawRecord, SourcedEvent> {
    private static final long serialVersionUID = 1L;

    private final EventLimits limits;
    private transient WireDecoder<SessionEvent> decoder;
    /** Records read from the events topic, and those of them sent to the rejects topic (metrics, README "Metrics"). */
    private transient Counter recordsRead;
    private transient Counter recordsRejected;

    public EventDecoder(EventLimits limits) {
        this.limits = limits;
    }

    @Override
    public void open(OpenContext context) {
        decoder = WireDecoder.forReleased(SessionEvent.class);
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("longstream");
        recordsRead = group.counter("recordsRead");
        recordsRejected = group.counter("recordsRejected");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<SourcedEvent> out) {
        recordsRead.inc();
        String reason;
        try {
            if (record.value == null) {
                throw new UndecodableRecordException("record has no value");
            }
            SessionEvent event = decoder.decode(record.value);
            reason = problemWith(event, record.key);
            if (reason == null) {
                out.collect(new SourcedEvent(event, record));
                return;
            }
        } catch (UndecodableRecordException e) {
            reason = e.getMessage();
        }
        recordsRejected.inc();
        ctx.output(Outputs.REJECTS, SourcedEvent.rejection(record, reason));
    }

    /** Why the event cannot be processed, or null when it can. */
    String problemWith(SessionEvent event, byte[] key) {
        String session = event.getSessionId();
        if (session.isEmpty()) {
            return "session id is empty";
        }
        if (key != null && !Arrays.equals(key, session.getBytes(StandardCharsets.UTF_8))) {
            return "record key does not match session id " + session;
        }
        Object payload = event.getPayload();
        if (payload instanceof DocumentChunk) {
            return textProblem("document text", ((DocumentChunk) payload).getText());
        }
        if (payload instanceof ConversationTurn) {
            ConversationTurn turn = (ConversationTurn) payload;
            return turn.getRole().isEmpty() ? "turn role is empty" : textProblem("turn text", turn.getText());
        }
        if (payload instanceof Query) {
            return queryProblem((Query) payload);
        }
        Control control = (Control) payload;
        if (control.getAction() == ControlAction.SET_POLICY && (control.getPolicySpec() == null || control.getPolicySpec().isBlank())) {
            return "SET_POLICY needs a policy spec";
        }
        return null;
    }

    private String queryProblem(Query query) {
        if (query.getQueryId().isEmpty()) {
            return "query id is empty";
        }
        int maxNew = query.getMaxNewTokens();
        if (maxNew < 1) {
            return "max new tokens must be >= 1, got " + maxNew;
        }
        if (maxNew > limits.maxNewTokens) {
            return "max new tokens " + maxNew + " exceeds the limit of " + limits.maxNewTokens;
        }
        float temperature = query.getTemperature();
        if (!(temperature >= 0 && Float.isFinite(temperature))) {
            return "temperature must be a finite number >= 0, got " + temperature;
        }
        float topP = query.getTopP();
        if (!(topP > 0 && topP <= 1)) {
            return "top-p must be in (0, 1], got " + topP;
        }
        return textProblem("query text", query.getText());
    }

    private String textProblem(String what, String text) {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        return bytes > limits.maxTextBytes ? what + " of " + bytes + " bytes exceeds the limit of " + limits.maxTextBytes + " bytes" : null;
    }
}
