package io.longstream.inference.text;

import io.longstream.inference.text.ChatTemplate.Message;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A session's token stream, as the Contracts define it: BOS (when the model has one) once at the
 * start, then every event's encoding with no BOS/EOS added. A document is its text; a turn is what
 * the chat template adds for it (render(previous, turn) minus render(previous), so a preamble appears
 * once, with the first turn; a BOS string in the render is dropped); without a template,
 * {@code role: text} and a newline. A query is a user turn plus the generation prompt.
 */
public final class TokenStream {
    private final Tokenizer tokenizer;
    private final Optional<ChatTemplate> template;
    private final int bosTokenId;

    public TokenStream(Tokenizer tokenizer, Optional<ChatTemplate> template, int bosTokenId) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.bosTokenId = bosTokenId;
    }

    /** The tokens a new session starts with. */
    public int[] start() {
        return bosTokenId >= 0 ? new int[] {bosTokenId} : new int[0];
    }

    /** A new session's first tokens: {@link #start()} followed by the first event's. */
    public int[] withStart(int[] first) {
        int[] start = start();
        int[] out = Arrays.copyOf(start, start.length + first.length);
        System.arraycopy(first, 0, out, start.length, first.length);
        return out;
    }

    public int[] document(String text) {
        return tokenizer.encode(text);
    }

    /** @param previous the session's previous turn, or null for its first */
    public int[] turn(Message previous, Message turn) {
        return tokenizer.encode(turnText(previous, turn, false));
    }

    public int[] query(Message previous, String text) {
        return tokenizer.encode(turnText(previous, new Message("user", text), true));
    }

    String turnText(Message previous, Message turn, boolean generationPrompt) {
        if (template.isEmpty()) {
            return turn.role() + ": " + turn.content() + "\n" + (generationPrompt ? "assistant: " : "");
        }
        ChatTemplate t = template.get();
        String text;
        if (previous == null) {
            text = t.render(List.of(turn), generationPrompt);
        } else {
            String before = t.render(List.of(previous), false);
            String both = t.render(List.of(previous, turn), generationPrompt);
            // a template that does not render incrementally still yields the turn itself
            text = both.startsWith(before) ? both.substring(before.length()) : t.render(List.of(turn), generationPrompt);
        }
        return t.bosToken().isEmpty() ? text : text.replace(t.bosToken(), "");
    }
}
