package io.longstream.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Generated sessions as the JSON lines that {@code longstream produce} and {@code demo --file} read, one session
 * after the other. A query line also carries what only a benchmark reads: {@code expected} (the answer),
 * {@code question_type} and {@code depth} (absent when nothing was stated). For example:
 * <pre>
 * {"session":"conv-7-0","event":"conv-7-0-1","type":"turn","role":"user","text":"... My locker number is 4821. ..."}
 * {"session":"conv-7-0","event":"conv-7-0-9","type":"query","query":"q1","text":"What is my locker number?",
 *  "max_new_tokens":24,"expected":"4821","question_type":"single","depth":0.0712}
 * </pre>
 */
public final class ConversationJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConversationJson() {
    }

    /** Writes every session of the generator; returns how many events it wrote. */
    public static long write(ConversationGenerator generator, Writer out) throws IOException {
        long count = 0;
        for (int i = 0; i < generator.spec().sessions(); i++) {
            String session = ConversationGenerator.sessionId(generator.spec().seed(), i);
            int number = 0;
            for (ConversationEvent e : generator.session(i)) {
                number++;
                out.write(JSON.writeValueAsString(line(session, number, e)));
                out.write('\n');
                count++;
            }
        }
        out.flush();
        return count;
    }

    private static ObjectNode line(String session, int number, ConversationEvent e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("session", session);
        node.put("event", session + "-" + number);
        switch (e.kind()) {
            case DOCUMENT:
                node.put("type", "document").put("doc", session + "-" + e.id()).put("text", e.text());
                break;
            case TURN:
                node.put("type", "turn").put("role", e.role()).put("text", e.text());
                break;
            case QUERY:
                node.put("type", "query").put("query", e.id()).put("text", e.text())
                        .put("max_new_tokens", ConversationGenerator.MAX_NEW_TOKENS)
                        .put("expected", e.expected()).put("question_type", e.questionType().jsonName());
                if (!Double.isNaN(e.depth())) {
                    node.put("depth", Math.round(e.depth() * 10_000) / 10_000.0);
                }
                break;
            default:
                throw new IllegalStateException("unknown event kind " + e.kind());
        }
        return node;
    }

    /** The queries of a JSON-lines stream that carry an expected answer, in file order. */
    public static List<ExpectedAnswer> expectedAnswers(Reader in) throws IOException {
        List<ExpectedAnswer> answers = new ArrayList<>();
        BufferedReader lines = new BufferedReader(in);
        String line;
        int number = 0;
        while ((line = lines.readLine()) != null) {
            number++;
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            JsonNode node = JSON.readTree(trimmed);
            if (!"query".equals(node.path("type").asText()) || !node.hasNonNull("expected")) {
                continue;
            }
            if (!node.hasNonNull("question_type")) {
                throw new IllegalArgumentException("line " + number + ": a query with \"expected\" needs a \"question_type\"");
            }
            answers.add(new ExpectedAnswer(node.path("session").asText(), node.path("query").asText(), node.path("text").asText(),
                    node.get("expected").asText(), QuestionType.ofJson(node.get("question_type").asText()),
                    node.hasNonNull("depth") ? node.get("depth").asDouble() : Double.NaN));
        }
        return answers;
    }
}
