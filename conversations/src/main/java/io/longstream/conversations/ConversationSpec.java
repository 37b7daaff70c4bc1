package io.longstream.conversations;

/**
 * What to generate: {@code sessions} sessions from {@code seed}, each between {@code minWords} and {@code maxWords}
 * words long (about 2.4 tokens a word for the demo model's tokenizer, which keeps spaces apart).
 */
public record ConversationSpec(long seed, int sessions, int minWords, int maxWords) {
    public static final int DEFAULT_MIN_WORDS = 400;
    public static final int DEFAULT_MAX_WORDS = 6500;
    /** Below this a session has no room for facts, talk and questions. */
    public static final int LEAST_WORDS = 150;

    public ConversationSpec {
        if (sessions < 1) {
            throw new IllegalArgumentException("--sessions must be at least 1, got " + sessions);
        }
        if (minWords < LEAST_WORDS) {
            throw new IllegalArgumentException("--min-words must be at least " + LEAST_WORDS + ", got " + minWords);
        }
        if (maxWords < minWords) {
            throw new IllegalArgumentException("--max-words (" + maxWords + ") must be at least --min-words (" + minWords + ")");
        }
    }
}
