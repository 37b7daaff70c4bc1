package io.longstream.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recomputes every query's answer from the JSON lines alone, without the generator's bookkeeping: it reads the fact
 * statements back out of the turn and document texts with patterns made from the statement templates, applies
 * them in order (a later statement replaces an earlier one), and reads the asked slots out of the question.
 */
final class TextFactChecker {
    /** What the text says a query should be answered. */
    record Recomputed(String session, String query, String expected, QuestionType type, double depth) {
    }

    private record Statement(FactSlot slot, String value, long offset) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<Pattern, FactSlot> patterns = new HashMap<>();

    TextFactChecker() {
        for (FactSlot slot : FactSlot.ALL) {
            List<String> templates = new ArrayList<>(slot.statements());
            templates.addAll(slot.updates());
            for (String t : templates) {
                String prefix = t.substring(0, t.indexOf(FactSlot.VALUE));
                patterns.put(Pattern.compile(Pattern.quote(prefix) + "([^.,;!?\\n]+?)\\."), slot);
            }
        }
    }

    List<Recomputed> check(String jsonLines) throws IOException {
        List<Recomputed> out = new ArrayList<>();
        String session = null;
        Map<FactSlot, List<Statement>> told = new HashMap<>();
        long chars = 0;
        for (String line : jsonLines.split("\n")) {
            JsonNode node = JSON.readTree(line);
            if (!node.path("session").asText().equals(session)) {
                session = node.path("session").asText();
                told.clear();
                chars = 0;
            }
            String text = node.path("text").asText();
            if (node.path("type").asText().equals("query")) {
                out.add(answer(session, node.path("query").asText(), text, told, chars));
                continue;
            }
            List<Statement> found = new ArrayList<>();
            for (Map.Entry<Pattern, FactSlot> p : patterns.entrySet()) {
                Matcher m = p.getKey().matcher(text);
                while (m.find()) {
                    found.add(new Statement(p.getValue(), m.group(1), chars + m.start()));
                }
            }
            found.sort((a, b) -> Long.compare(a.offset(), b.offset()));
            for (Statement s : found) {
                told.computeIfAbsent(s.slot(), k -> new ArrayList<>()).add(s);
            }
            chars += text.length();
        }
        return out;
    }

    private static Recomputed answer(String session, String query, String question, Map<FactSlot, List<Statement>> told,
                                     long chars) {
        List<FactSlot> asked = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (FactSlot slot : FactSlot.ALL) {
            int i = question.indexOf(slot.phrase());
            if (i >= 0) {
                int k = 0;
                while (k < at.size() && at.get(k) < i) {
                    k++;
                }
                asked.add(k, slot);
                at.add(k, i);
            }
        }
        if (asked.size() == 2) {
            Statement a = latest(told, asked.get(0));
            Statement b = latest(told, asked.get(1));
            return new Recomputed(session, query, a.value() + " and " + b.value(), QuestionType.TWO_FACTS,
                    (double) Math.min(a.offset(), b.offset()) / chars);
        }
        if (asked.size() != 1) {
            throw new AssertionError(session + " " + query + ": the question names " + asked.size() + " slots: " + question);
        }
        List<Statement> list = told.get(asked.get(0));
        if (list == null) {
            return new Recomputed(session, query, Answers.NOT_STATED, QuestionType.NOT_STATED, Double.NaN);
        }
        Statement last = list.get(list.size() - 1);
        return new Recomputed(session, query, last.value(), list.size() == 1 ? QuestionType.SINGLE : QuestionType.UPDATED,
                (double) last.offset() / chars);
    }

    private static Statement latest(Map<FactSlot, List<Statement>> told, FactSlot slot) {
        List<Statement> list = told.get(slot);
        if (list == null) {
            throw new AssertionError("two facts asked, but " + slot.id() + " was never stated");
        }
        return list.get(list.size() - 1);
    }
}
