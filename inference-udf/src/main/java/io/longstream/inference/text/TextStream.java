package io.longstream.inference.text;

import java.util.Arrays;

/**
 * Turns generated ids into text as they arrive. A byte-level token may end inside a UTF-8 character,
 * so text is released only once the decoded whole no longer ends in a replacement character.
 */
public final class TextStream {
    private final Tokenizer tokenizer;
    private int[] ids = new int[16];
    private int count;
    private int emitted;

    public TextStream(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one id; returns the text that became final (maybe empty). */
    public String push(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        if (text.endsWith("\uFFFD") || text.length() <= emitted) {
            return "";
        }
        String delta = text.substring(emitted);
        emitted = text.length();
        return delta;
    }

    /** Whatever is left, incomplete characters included. */
    public String finish() {
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        String rest = text.length() > emitted ? text.substring(emitted) : "";
        emitted = text.length();
        return rest;
    }
}
