package io.longstream.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.operators.SavedSession;
import io.longstream.operators.SessionMeta;
import io.longstream.operators.SourcedEvent;
import java.util.IntSummaryStatistics;
import java.util.List;

/** How {@code inspect} shows saved sessions: a line each, one in detail, or a JSON object each. */
final class SavedSessionText {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SavedSessionText() {
    }

    static void print(List<SavedSession> sessions, boolean json, boolean detailed) throws Exception {
        for (SavedSession s : sessions) {
            System.out.println(json ? JSON.writeValueAsString(object(s)) : detailed ? detail(s) : line(s));
        }
        if (!json && !detailed) {
            System.out.println(sessions.size() + " sessions");
        }
    }

    private static String line(SavedSession s) {
        SessionMeta m = s.meta;
        return String.format("%s  %s  tokens %d (next position %d)  caches %s  entries/layer %s  %d pages, %d bytes  "
                        + "pending %d  waiting %d  revision %d", s.sessionId, policy(s), m.tokensIngested, m.nextPosition,
                s.hasGeometry() ? Integer.toString(s.caches()) : "?", entriesRange(s), s.pageCount, s.pageBytes, m.pending.length,
                s.waiting.length, m.revision);
    }

    private static String detail(SavedSession s) {
        SessionMeta m = s.meta;
        StringBuilder out = new StringBuilder();
        out.append("session          ").append(s.sessionId).append('\n')
                .append("policy           ").append(policy(s)).append(m.policySpec != null ? " (its own, SET_POLICY)" : "").append('\n')
                .append("tokens ingested  ").append(m.tokensIngested).append('\n')
                .append("next position    ").append(m.nextPosition).append('\n')
                .append("caches           ").append(s.hasGeometry() ? s.caches() : "?").append('\n')
                .append("entries/layer    ").append(s.hasGeometry() ? s.entriesPerLayer() : "?").append('\n')
                .append("evictions        ").append(m.evictions).append('\n')
                .append("stored           ").append(s.pageCount).append(" pages, ").append(s.pageBytes).append(" bytes")
                .append(s.segmentCount > 0 ? ", " + s.segmentCount + " episode segments" : "").append('\n')
                .append("saved with       ").append(m.savedChunk > 0 ? "--chunk " + m.savedChunk + " --cache-dtype "
                        + m.savedCacheDtype.toLowerCase() : "?").append('\n')
                .append("tokens pending   ").append(m.pending.length).append('\n')
                .append("last event       ").append(m.lastEventId == null ? "-" : m.lastEventId).append('\n')
                .append("answering        ").append(m.answerTokens.length > 0 ? m.answerTokens.length + " tokens so far" : "-").append('\n')
                .append("revision         ").append(m.revision).append('\n')
                .append("events waiting   ").append(s.waiting.length);
        for (SourcedEvent e : s.waiting) {
            out.append("\n  ").append(e.event.getEventId()).append(' ').append(e.event.getPayload().getClass().getSimpleName())
                    .append(" (offset ").append(e.source.offset).append(')');
        }
        return out.toString();
    }

    private static ObjectNode object(SavedSession s) {
        SessionMeta m = s.meta;
        ObjectNode o = JSON.createObjectNode();
        o.put("session", s.sessionId);
        o.put("policy", s.policy());
        o.put("own_policy", m.policySpec != null);
        o.put("tokens_ingested", m.tokensIngested);
        o.put("next_position", m.nextPosition);
        if (s.hasGeometry()) {
            o.put("caches", s.caches());
            s.entriesPerLayer().forEach(o.putArray("entries_per_layer")::add);
        }
        o.put("evictions", m.evictions);
        o.put("pages", s.pageCount);
        o.put("stored_bytes", s.pageBytes);
        o.put("episode_segments", s.segmentCount);
        o.put("tokens_pending", m.pending.length);
        o.put("events_waiting", s.waiting.length);
        o.put("last_event", m.lastEventId);
        o.put("revision", m.revision);
        if (m.savedChunk > 0) {
            o.put("chunk", m.savedChunk);
            o.put("cache_dtype", m.savedCacheDtype.toLowerCase());
        }
        return o;
    }

    private static String policy(SavedSession s) {
        return s.policy() == null ? "?" : s.policy();
    }

    /** min..max over layers, or one number when all are alike. */
    private static String entriesRange(SavedSession s) {
        if (!s.hasGeometry()) {
            return "?";
        }
        IntSummaryStatistics stats = s.entriesPerLayer().stream().mapToInt(Integer::intValue).summaryStatistics();
        return stats.getMin() == stats.getMax() ? Integer.toString(stats.getMax()) : stats.getMin() + ".." + stats.getMax();
    }
}
