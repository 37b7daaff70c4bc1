package io.longstream.conversations;

import java.util.Locale;

/** What a question asks of the conversation before it. */
public enum QuestionType {
    /** One fact, stated once. */
    SINGLE,
    /** One fact stated, then changed: the latest value is the answer. */
    UPDATED,
    /** Two facts, answered as "first and second". */
    TWO_FACTS,
    /** A fact never stated: the answer is {@link Answers#NOT_STATED}. */
    NOT_STATED;

    /** The name in the JSON lines ("single", "updated", "two_facts", "not_stated"). */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static QuestionType ofJson(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
