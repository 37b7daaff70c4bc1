package io.longstream.inference.epicache;

import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenStream;
import java.util.List;

/** The epicache tests' conversation: turns that talk about four topics in turn, four turns each. */
public final class TopicConversation {
    public static final String[] TOPICS = {"ferry", "flour", "router", "invoice"};

    private TopicConversation() {
    }

    /** Turn i (user on even turns). */
    public static Message turn(int i) {
        return new Message(i % 2 == 0 ? "user" : "assistant", "About the " + TOPICS[(i / 4) % TOPICS.length] + ": note number " + i + ".");
    }

    /** Turns {@code from} to {@code to} into {@code session}, prefilled in its chunks as they fill. */
    public static void feed(EpicacheMemory session, TokenStream tokens, List<Integer> pending, int from, int to) {
        feed(session, tokens, pending, from, to, () -> { });
    }

    /**
     * Turns {@code from} to {@code to} (the previous turn rebuilt from the index; the session's start tokens first when
     * {@code from} is 0), each chunk prefilled as soon as it fills, {@code afterEachChunk} run after each.
     */
    public static void feed(EpicacheMemory session, TokenStream tokens, List<Integer> pending, int from, int to,
                            Runnable afterEachChunk) {
        if (from == 0) {
            for (int t : tokens.start()) {
                pending.add(t);
            }
        }
        for (int i = from; i < to; i++) {
            Message previous = i == 0 ? null : turn(i - 1);
            Message turn = turn(i);
            for (int t : tokens.turn(previous, turn)) {
                pending.add(t);
            }
            session.observeTurn(turn.role(), turn.content());
            while (pending.size() >= session.chunk()) {
                int[] chunk = pending.subList(0, session.chunk()).stream().mapToInt(Integer::intValue).toArray();
                pending.subList(0, session.chunk()).clear();
                session.prefill(chunk, false);
                afterEachChunk.run();
            }
        }
    }
}
