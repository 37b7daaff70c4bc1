package io.longstream.jobs.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Session events as JSON lines, the format users write streams in. One object per line:
 * <pre>
 * {"session":"s1","type":"document","doc":"d1","text":"...","metadata":{"source":"wiki"}}
 * {"session":"s1","type":"turn","role":"user","text":"..."}
 * {"session":"s1","type":"query","query":"q1","text":"...","max_new_tokens":32,"temperature":0,"top_p":1,"seed":7}
 * {"session":"s1","type":"control","action":"reset"}            (reset, close, set_policy with "policy")
 * </pre>
 * Optional on every line: "event" (the event id), "time" (epoch millis; default now), "producer".
 * Other fields are ignored: a query line of {@code longstream conversations} carries its "expected" answer,
 * "question_type" and "depth" for benchmarks, and plays like any other. Blank lines and lines starting with #
 * are skipped. The default event id (and document id) is the stream's fingerprint and the line number, so two
 * different streams never share an id; an id given twice for one session in one stream is refused. The
 * pipeline does not deduplicate by id: an id only labels the memory updates the event causes, so an event
 * sent twice is ingested twice.
 */
public final class EventJson {
    /** A line may be as long as the broker accepts: the record size limit, not Jackson's 20 MB default, decides. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build());

    private final String producer;

    public EventJson(String producer) {
        this.producer = producer;
    }

    /** Every event of a JSON-lines stream; a bad line fails with its number and what is wrong. */
    public List<SessionEvent> readAll(Reader in) throws IOException {
        List<SessionEvent> events = new ArrayList<>();
        readLines(in).forEach(l -> events.add(l.event));
        return events;
    }

    /** Every event of a JSON-lines stream with its line number; a bad line fails with its number and what is wrong. */
    public List<EventLine> readLines(Reader in) throws IOException {
        List<String> lines = new ArrayList<>();
        BufferedReader reader = new BufferedReader(in);
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lines.add(line);
        }
        String fingerprint = fingerprint(lines);
        List<EventLine> events = new ArrayList<>();
        Map<List<String>, Integer> firstUse = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String trimmed = lines.get(i).trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int number = i + 1;
            SessionEvent event = parse(trimmed, number, fingerprint);
            Integer earlier = firstUse.putIfAbsent(List.of(event.getSessionId(), event.getEventId()), number);
            if (earlier != null) {
                throw new IllegalArgumentException("line " + number + ": event id " + event.getEventId() + " of session "
                        + event.getSessionId() + " is already used on line " + earlier);
            }
            events.add(new EventLine(number, event));
        }
        return events;
    }

    /**
     * The first 48 bits of the stream's SHA-256, in hex: default ids made from it and a line number
     * differ between any two streams that differ, and stay the same when the same stream is sent again.
     */
    private static String fingerprint(List<String> lines) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        for (String line : lines) {
            sha.update(line.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 6);
    }

    /** One line as an event; {@code number} names it in errors and, with {@code fingerprint}, makes the default ids. */
    SessionEvent parse(String line, int number, String fingerprint) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (StreamConstraintsException e) {
            // valid JSON past a reader limit (nesting depth, a number's digits): not "not JSON"
            throw new IllegalArgumentException("line " + number + ": cannot be read: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("line " + number + ": not JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("line " + number + ": expected a JSON object");
        }
        String session = text(node, "session", number);
        String type = text(node, "type", number);
        String defaultId = fingerprint + "-" + number;
        Object payload;
        switch (type) {
            case "document":
                payload = DocumentChunk.newBuilder()
                        .setDocId(node.path("doc").asText(defaultId))
                        .setText(text(node, "text", number))
                        .setMetadata(metadata(node.get("metadata"), number))
                        .build();
                break;
            case "turn":
                payload = ConversationTurn.newBuilder().setRole(text(node, "role", number)).setText(text(node, "text", number)).build();
                break;
            case "query":
                payload = query(node, number);
                break;
            case "control":
                payload = control(node, number);
                break;
            default:
                throw new IllegalArgumentException("line " + number + ": type must be document, turn, query or control, got " + type);
        }
        return SessionEvent.newBuilder()
                .setSessionId(session)
                .setEventId(node.path("event").asText(defaultId))
                .setEventTime(node.has("time") ? Instant.ofEpochMilli(node.get("time").asLong()) : Instant.now())
                .setProducer(node.path("producer").asText(producer))
                .setPayload(payload)
                .build();
    }

    private static Query query(JsonNode node, int number) {
        JsonNode maxNew = node.get("max_new_tokens");
        if (maxNew == null || !maxNew.isIntegralNumber()) {
            throw new IllegalArgumentException("line " + number + ": a query needs an integer max_new_tokens");
        }
        Query.Builder q = Query.newBuilder()
                .setQueryId(text(node, "query", number))
                .setText(text(node, "text", number))
                .setMaxNewTokens(maxNew.asInt())
                .setTemperature((float) node.path("temperature").asDouble(0))
                .setTopP((float) node.path("top_p").asDouble(1));
        if (node.hasNonNull("seed")) {
            q.setSeed(node.get("seed").asLong());
        }
        return q.build();
    }

    private static Control control(JsonNode node, int number) {
        String action = text(node, "action", number).toUpperCase(Locale.ROOT);
        ControlAction parsed;
        try {
            parsed = ControlAction.valueOf(action);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + number + ": action must be reset, close or set_policy, got " + action);
        }
        return Control.newBuilder().setAction(parsed).setPolicySpec(node.hasNonNull("policy") ? node.get("policy").asText() : null).build();
    }

    private static Map<String, String> metadata(JsonNode node, int number) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("line " + number + ": metadata must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            map.put(e.getKey(), e.getValue().asText());
        }
        return map;
    }

    private static String text(JsonNode node, String field, int number) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("line " + number + ": field \"" + field + "\" must be a string");
        }
        return value.asText();
    }
}
