package io.longstream.conversations;

import java.util.Locale;
import java.util.regex.Pattern;

/** How answers are compared: exact match after normalisation. */
public final class Answers {
    /** The one answer to a question about something never stated. */
    public static final String NOT_STATED = "I don't know";

    private static final Pattern PUNCTUATION = Pattern.compile("[^\\p{L}\\p{N}\\s]");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private Answers() {
    }

    /** Lower case, punctuation removed, runs of white space made one space, trimmed. */
    public static String normalise(String answer) {
        String lower = answer.toLowerCase(Locale.ROOT);
        return SPACES.matcher(PUNCTUATION.matcher(lower).replaceAll("")).replaceAll(" ").trim();
    }

    public static boolean matches(String expected, String actual) {
        return normalise(expected).equals(normalise(actual));
    }
}
