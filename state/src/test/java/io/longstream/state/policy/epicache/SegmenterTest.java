package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SegmenterTest {
    @Test
    void everyWUtterancesCloseASegmentJoinedByNewlines() {
        Segmenter segmenter = new Segmenter(3);
        assertEquals(Optional.empty(), segmenter.addTurn("user", "hi"));
        assertEquals(Optional.empty(), segmenter.addTurn("assistant", "hello"));
        assertEquals(Optional.of("User said, \"hi\"\nAssistant said, \"hello\"\nUser said, \"bye\""), segmenter.addTurn("user", "bye"));
        assertEquals(List.of(), segmenter.openUtterances());
        assertEquals(Optional.empty(), segmenter.addTurn("user", "again"));
        assertEquals(List.of("User said, \"again\""), segmenter.openUtterances());
    }

    @Test
    void oneUtterancePerSegmentClosesOnEveryTurn() {
        Segmenter segmenter = new Segmenter(1);
        assertEquals(Optional.of("User said, \"a\""), segmenter.addTurn("user", "a"));
        assertEquals(List.of("Document said, \"p\"", "Document said, \"q\""), segmenter.addDocument(List.of("p", "q")));
    }

    @Test
    void theRoleIsCapitalisedInTheRootLocaleAndTextIsKeptVerbatim() {
        Locale before = Locale.getDefault();
        try {
            // Turkish upper-cases i to a dotted İ; the root locale must give I whatever the JVM's default is
            Locale.setDefault(Locale.forLanguageTag("tr"));
            Segmenter segmenter = new Segmenter(4);
            segmenter.addTurn("irene", "she said \"no\"");
            segmenter.addTurn("Bob", "");
            segmenter.addTurn("x", "multi\nline");
            assertEquals(List.of("Irene said, \"she said \"no\"\"", "Bob said, \"\"", "X said, \"multi\nline\""), segmenter.openUtterances());
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void documentPiecesAreUtterancesSpokenByDocumentAndMayCloseSeveralSegments() {
        Segmenter segmenter = new Segmenter(2);
        segmenter.addTurn("user", "read this");
        List<String> closed = segmenter.addDocument(List.of("p1", "p2", "p3", "p4"));
        assertEquals(List.of(
                "User said, \"read this\"\nDocument said, \"p1\"",
                "Document said, \"p2\"\nDocument said, \"p3\""), closed);
        assertEquals(List.of("Document said, \"p4\""), segmenter.openUtterances());
        assertEquals(List.of(), segmenter.addDocument(List.of()));
    }

    @Test
    void aRestoredOpenSegmentContinuesExactlyLikeTheOriginal() {
        Segmenter original = new Segmenter(4);
        original.addTurn("user", "one");
        original.addDocument(List.of("two", "three", "four", "five"));
        original.addTurn("assistant", "six");
        Segmenter restored = Segmenter.restore(4, original.openUtterances());
        assertEquals(original.openUtterances(), restored.openUtterances());
        assertEquals(List.of("Document said, \"five\"", "Assistant said, \"six\""), restored.openUtterances());
        assertEquals(original.addTurn("user", "seven"), restored.addTurn("user", "seven"));
        assertEquals(original.addDocument(List.of("eight", "nine")), restored.addDocument(List.of("eight", "nine")));
        assertEquals(original.openUtterances(), restored.openUtterances());
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Segmenter(0));
        assertThrows(IllegalArgumentException.class, () -> Segmenter.restore(2, List.of("A said, \"1\"", "B said, \"2\"")));
        assertThrows(IllegalArgumentException.class, () -> new Segmenter(2).addTurn("", "text"));
        assertThrows(NullPointerException.class, () -> new Segmenter(2).addTurn("user", null));
    }

    /** Whatever the mix of turns and documents, the segments and the open rest are the rendered utterances in order, w at a time. */
    @Property(tries = 200, seed = "11")
    void segmentsPartitionTheUtteranceStream(@ForAll @IntRange(min = 1, max = 6) int w, @ForAll List<@IntRange(min = 0, max = 5) Integer> events) {
        Segmenter segmenter = new Segmenter(w);
        List<String> expected = new ArrayList<>();
        List<String> segments = new ArrayList<>();
        int n = 0;
        for (int pieces : events) {
            if (pieces == 0) {
                String text = "turn " + n++;
                expected.add("Assistant said, \"" + text + "\"");
                segmenter.addTurn("assistant", text).ifPresent(segments::add);
            } else {
                List<String> document = new ArrayList<>();
                for (int p = 0; p < pieces; p++) {
                    String text = "piece " + n++;
                    document.add(text);
                    expected.add("Document said, \"" + text + "\"");
                }
                segments.addAll(segmenter.addDocument(document));
            }
        }
        List<String> seen = new ArrayList<>();
        for (String segment : segments) {
            List<String> lines = List.of(segment.split("\n", -1));
            assertEquals(w, lines.size());
            seen.addAll(lines);
        }
        assertEquals(expected.size() / w, segments.size());
        seen.addAll(segmenter.openUtterances());
        assertEquals(expected, seen);
    }
}
