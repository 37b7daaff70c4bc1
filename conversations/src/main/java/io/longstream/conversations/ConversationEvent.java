package io.longstream.conversations;

/**
 * One event of a generated session: a document, a turn, or a query with its expected answer. For a query,
 * {@code depth} is where its fact was stated, as a fraction of the session's text before the query (0 its start, 1
 * its end); for two facts the earlier one; NaN when nothing was stated.
 */
public record ConversationEvent(Kind kind, String id, String role, String text, String expected, QuestionType questionType,
                                double depth) {
    /** The event types of the JSON lines. */
    public enum Kind { DOCUMENT, TURN, QUERY }

    static ConversationEvent document(String id, String text) {
        return new ConversationEvent(Kind.DOCUMENT, id, null, text, null, null, Double.NaN);
    }

    static ConversationEvent turn(String role, String text) {
        return new ConversationEvent(Kind.TURN, null, role, text, null, null, Double.NaN);
    }

    static ConversationEvent query(String id, String text, String expected, QuestionType type, double depth) {
        return new ConversationEvent(Kind.QUERY, id, "user", text, expected, type, depth);
    }
}
