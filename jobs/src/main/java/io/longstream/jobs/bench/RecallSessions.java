package io.longstream.jobs.bench;

import io.longstream.conversations.ConversationEvent;
import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.QuestionType;
import io.longstream.inference.Model;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenBuffer;
import io.longstream.inference.text.TokenStream;
import io.longstream.inference.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Generated conversations as the session operator tokenises them (BOS, documents, turns through the chat template, a
 * query as a user turn plus the generation prompt), once for every policy. A query leaves no trace and no answer is
 * sent back (as in the training's held-out evaluation), so every policy sees the same stream whatever it answers.
 */
final class RecallSessions {
    /**
     * One event of a session's stream: tokens that enter the memory (a document's own ids, BOS left out, in {@code body}),
     * or a query (its prompt) with its expected answer in {@code event} and, in {@code facts}, the stream positions of the
     * tokens of the value(s) it asks about, at their latest statement (empty for "not stated", null where not found).
     */
    record Piece(int[] tokens, int[] body, ConversationEvent event, boolean document, String role, String text, int[] facts) {
        boolean query() {
            return event != null && event.kind() == ConversationEvent.Kind.QUERY;
        }
    }

    /** A session's id, its pieces in order, and its stream's length in tokens (queries left out: they leave no trace). */
    record Session(String id, List<Piece> pieces, int streamTokens) {
    }

    private final List<Session> sessions = new ArrayList<>();

    /**
     * @throws IllegalArgumentException when a session runs past the model's trained positions (max_position_embeddings),
     *                                  naming it: the benchmark measures memory, not extrapolation
     */
    RecallSessions(Model model, ConversationGenerator generator) {
        TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        Tokenizer tokenizer = model.tokenizer();
        int trained = model.config().maxPositions;
        for (int s = 0; s < generator.spec().sessions(); s++) {
            String id = ConversationGenerator.sessionId(generator.spec().seed(), s);
            List<Piece> pieces = new ArrayList<>();
            Message previous = null;
            TokenBuffer stream = new TokenBuffer();
            int reach = 0;
            for (ConversationEvent e : generator.session(s)) {
                switch (e.kind()) {
                    case DOCUMENT -> {
                        int[] body = tokens.document(e.text());
                        int[] piece = stream.length() == 0 ? tokens.withStart(body) : body;
                        pieces.add(new Piece(piece, body, e, true, null, e.text(), null));
                        stream.append(piece);
                    }
                    case TURN -> {
                        Message turn = new Message(e.role(), e.text());
                        int[] body = tokens.turn(previous, turn);
                        int[] piece = stream.length() == 0 ? tokens.withStart(body) : body;
                        pieces.add(new Piece(piece, piece, e, false, e.role(), e.text(), null));
                        stream.append(piece);
                        previous = turn;
                    }
                    case QUERY -> {
                        int[] query = tokens.query(previous, e.text());
                        int[] prompt = stream.length() == 0 ? tokens.withStart(query) : query;
                        pieces.add(new Piece(prompt, prompt, e, false, "user", e.text(), factPositions(tokenizer, stream, e)));
                        reach = Math.max(reach, stream.length() + prompt.length + ConversationGenerator.MAX_NEW_TOKENS);
                    }
                    default -> throw new IllegalStateException("unknown event kind " + e.kind());
                }
            }
            reach = Math.max(reach, stream.length());
            if (trained > 0 && reach > trained) {
                throw new IllegalArgumentException("session " + id + " reaches position " + reach + ", past the model's " + trained
                        + " trained positions (max_position_embeddings): lower --max-words");
            }
            sessions.add(new Session(id, pieces, stream.length()));
        }
    }

    /**
     * Where the values a query asks about were last stated: the stream positions of each value's tokens (as a statement
     * writes it, after a space), the latest occurrence before the query; null when one is not found.
     */
    static int[] factPositions(Tokenizer tokenizer, TokenBuffer stream, ConversationEvent query) {
        if (query.questionType() == QuestionType.NOT_STATED) {
            return new int[0];
        }
        String[] values = query.questionType() == QuestionType.TWO_FACTS ? query.expected().split(" and ") : new String[] {query.expected()};
        IntStream positions = IntStream.empty();
        for (String value : values) {
            int[] ids = tokenizer.encode(" " + value);
            int at = stream.lastIndexOf(ids);
            if (at < 0) {
                return null;
            }
            positions = IntStream.concat(positions, IntStream.range(at, at + ids.length));
        }
        return positions.toArray();
    }

    List<Session> sessions() {
        return sessions;
    }

    /** The questions asked, by type: "N questions (single a, updated b, ...)". */
    String questions() {
        int[] byType = new int[QuestionType.values().length];
        for (Session session : sessions) {
            for (Piece piece : session.pieces()) {
                if (piece.query()) {
                    byType[piece.event().questionType().ordinal()]++;
                }
            }
        }
        StringBuilder s = new StringBuilder().append(Arrays.stream(byType).sum()).append(" questions (");
        for (QuestionType t : QuestionType.values()) {
            s.append(t.ordinal() == 0 ? "" : ", ").append(t.jsonName().replace('_', ' ')).append(' ').append(byType[t.ordinal()]);
        }
        return s.append(')').toString();
    }

    /** The mean stream length in tokens, what the budget fractions of --all are fractions of. */
    double meanTokens() {
        return sessions.stream().mapToInt(Session::streamTokens).average().orElse(0);
    }
}
