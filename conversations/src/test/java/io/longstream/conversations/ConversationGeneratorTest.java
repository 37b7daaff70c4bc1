package io.longstream.conversations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConversationGeneratorTest {
    /** Many sessions, short and long, so that every kind of question and depth shows up. */
    private static final ConversationSpec SPEC = new ConversationSpec(11, 120, 300, 6500);

    private static String write(ConversationSpec spec) throws IOException {
        StringWriter out = new StringWriter();
        ConversationJson.write(new ConversationGenerator(spec), out);
        return out.toString();
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedOthers() throws IOException {
        ConversationSpec spec = new ConversationSpec(5, 6, 300, 3000);
        String first = write(spec);
        assertEquals(first, write(spec));
        assertNotEquals(first, write(new ConversationSpec(6, 6, 300, 3000)));
        assertEquals(new ConversationGenerator(spec).session(3), new ConversationGenerator(new ConversationSpec(5, 4, 300, 3000)).session(3),
                "a session depends on the seed and its index, not on how many are generated");
    }

    @Test
    void everyExpectedAnswerIsWhatTheTextSays() throws IOException {
        String lines = write(SPEC);
        List<ExpectedAnswer> expected = ConversationJson.expectedAnswers(new StringReader(lines));
        List<TextFactChecker.Recomputed> recomputed = new TextFactChecker().check(lines);
        assertEquals(recomputed.size(), expected.size());
        for (int i = 0; i < expected.size(); i++) {
            ExpectedAnswer e = expected.get(i);
            TextFactChecker.Recomputed r = recomputed.get(i);
            String where = e.session() + " " + e.queryId() + " (" + e.question() + ")";
            assertEquals(r.expected(), e.expected(), where);
            assertEquals(r.type(), e.questionType(), where);
            if (Double.isNaN(r.depth())) {
                assertTrue(Double.isNaN(e.depth()), where);
            } else {
                assertEquals(r.depth(), e.depth(), 1e-4, where);
            }
        }
    }

    @Test
    void everyQuestionTypeDepthBandAndLengthOccurs() throws IOException {
        String lines = write(SPEC);
        Map<QuestionType, Integer> types = new EnumMap<>(QuestionType.class);
        int[] bands = new int[4];
        for (ExpectedAnswer e : ConversationJson.expectedAnswers(new StringReader(lines))) {
            types.merge(e.questionType(), 1, Integer::sum);
            if (e.questionType() != QuestionType.NOT_STATED) {
                bands[Math.min(3, (int) (e.depth() * 4))]++;
            }
        }
        for (QuestionType t : QuestionType.values()) {
            assertTrue(types.getOrDefault(t, 0) >= 30, t + " occurs too rarely: " + types);
        }
        for (int b = 0; b < 4; b++) {
            assertTrue(bands[b] >= 40, "depth band " + b + " occurs too rarely: " + java.util.Arrays.toString(bands));
        }
        ConversationGenerator generator = new ConversationGenerator(SPEC);
        int shortest = Integer.MAX_VALUE;
        int longest = 0;
        for (int i = 0; i < SPEC.sessions(); i++) {
            int words = 0;
            for (ConversationEvent e : generator.session(i)) {
                words += e.kind() == ConversationEvent.Kind.QUERY ? 0 : e.text().split("\\s+").length;
            }
            shortest = Math.min(shortest, words);
            longest = Math.max(longest, words);
        }
        assertTrue(shortest < 450, "shortest session " + shortest + " words");
        assertTrue(longest > 5500 && longest < 7500, "longest session " + longest + " words");
    }

    @Test
    void answersComeFromALargeVocabulary() throws IOException {
        Set<String> values = new HashSet<>();
        int asked = 0;
        for (ExpectedAnswer e : ConversationJson.expectedAnswers(new StringReader(write(SPEC)))) {
            if (e.questionType() == QuestionType.SINGLE || e.questionType() == QuestionType.UPDATED) {
                values.add(e.expected());
                asked++;
            }
        }
        assertTrue(values.size() > 0.7 * asked, "only " + values.size() + " distinct answers to " + asked + " questions");
    }

    @Test
    void sessionsHoldDocumentsAndBothRoles() {
        List<ConversationEvent> events = new ConversationGenerator(new ConversationSpec(3, 1, 4000, 4000)).session(0);
        Set<String> kinds = new HashSet<>();
        for (ConversationEvent e : events) {
            kinds.add(e.kind() == ConversationEvent.Kind.TURN ? e.role() : e.kind().name());
        }
        assertEquals(Set.of("user", "assistant", "DOCUMENT", "QUERY"), kinds);
    }

    @Test
    void answersMatchAfterNormalisation() {
        assertEquals("i dont know", Answers.normalise("  I don't know. "));
        assertEquals("the garden of ashford", Answers.normalise("The  Garden of\tAshford!"));
        assertEquals("1115", Answers.normalise("11:15"));
        assertTrue(Answers.matches("14 March", "14 march."));
        assertTrue(!Answers.matches("4821", "4812"));
    }

    @Test
    void aBadSpecNamesItsOption() {
        assertEquals("--sessions must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new ConversationSpec(1, 0, 400, 800)).getMessage());
        assertEquals("--min-words must be at least 150, got 10",
                assertThrows(IllegalArgumentException.class, () -> new ConversationSpec(1, 1, 10, 800)).getMessage());
        assertEquals("--max-words (300) must be at least --min-words (400)",
                assertThrows(IllegalArgumentException.class, () -> new ConversationSpec(1, 1, 400, 300)).getMessage());
    }
}
