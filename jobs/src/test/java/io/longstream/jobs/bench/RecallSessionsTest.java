package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ConversationSpec;
import io.longstream.conversations.QuestionType;
import io.longstream.inference.Model;
import io.longstream.inference.text.TokenBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RecallSessionsTest {
    /** Every question about a stated fact finds its value(s) in the stream before it, and the positions spell them. */
    @Test
    void everyStatedFactIsLocatedInTheStream() {
        try (Model model = Model.load(Path.of("..", "models", "longstream-demo"), 1)) {
            RecallSessions sessions = new RecallSessions(model, new ConversationGenerator(new ConversationSpec(7, 3, 400, 900)));
            int located = 0;
            for (RecallSessions.Session session : sessions.sessions()) {
                TokenBuffer stream = new TokenBuffer();
                for (RecallSessions.Piece piece : session.pieces()) {
                    if (!piece.query()) {
                        stream.append(piece.tokens());
                        continue;
                    }
                    int[] facts = piece.facts();
                    assertNotNull(facts, "not located: " + piece.event());
                    if (piece.event().questionType() == QuestionType.NOT_STATED) {
                        assertEquals(0, facts.length);
                        continue;
                    }
                    int[] ids = new int[facts.length];
                    for (int i = 0; i < facts.length; i++) {
                        assertTrue(facts[i] < stream.length(), "a fact stated before its question");
                        ids[i] = stream.get(facts[i]);
                    }
                    String spelled = model.tokenizer().decode(ids).trim().replaceAll("\\s+", " ");
                    for (String value : piece.event().expected().split(" and ")) {
                        assertTrue(spelled.contains(value), spelled + " spells " + value);
                    }
                    located++;
                }
            }
            assertTrue(located >= 6, "questions about stated facts: " + located);
        }
    }
}
