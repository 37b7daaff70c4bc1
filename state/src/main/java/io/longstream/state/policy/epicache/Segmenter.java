package io.longstream.state.policy.epicache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Cuts one session's conversation into EpiCache segments (kv-policies §6): a turn is one utterance, a document
 * contributes one utterance per 256-token piece, each rendered {@code Speaker said, "text"}, and every
 * {@code w} utterances close a segment, whose text is those utterances joined with {@code "\n"}.
 *
 * <p>Mutable and not thread-safe; the open segment's rendered utterances are its whole state
 * ({@link #openUtterances()}, {@link #restore}). Text is rendered as given, quotes included, as the reference does.
 */
public final class Segmenter {
    /** The speaker of a document piece. */
    public static final String DOCUMENT_SPEAKER = "Document";

    private final int utterancesPerSegment;
    private final List<String> open = new ArrayList<>();

    /** @param utterancesPerSegment w, at least 1 */
    public Segmenter(int utterancesPerSegment) {
        if (utterancesPerSegment < 1) {
            throw new IllegalArgumentException("a segment needs at least 1 utterance, got w = " + utterancesPerSegment);
        }
        this.utterancesPerSegment = utterancesPerSegment;
    }

    /**
     * A segmenter whose open segment holds {@code openUtterances}, as returned by {@link #openUtterances()}.
     *
     * @throws IllegalArgumentException if there are w or more of them (a full segment would have closed)
     */
    public static Segmenter restore(int utterancesPerSegment, List<String> openUtterances) {
        Segmenter segmenter = new Segmenter(utterancesPerSegment);
        if (openUtterances.size() >= utterancesPerSegment) {
            throw new IllegalArgumentException("an open segment holds fewer than w = " + utterancesPerSegment
                    + " utterances, got " + openUtterances.size());
        }
        for (String utterance : openUtterances) {
            segmenter.open.add(Objects.requireNonNull(utterance, "open utterance"));
        }
        return segmenter;
    }

    /**
     * Adds one turn, rendered with the role capitalised as speaker ({@code "user"} → {@code User said, "…"}).
     *
     * @return the text of the segment this turn closed, if it closed one
     * @throws IllegalArgumentException if the role is empty
     */
    public Optional<String> addTurn(String role, String text) {
        return Optional.ofNullable(add(speaker(role), text));
    }

    /**
     * Adds a document already cut into 256-token pieces (tokenization lives with the model), one utterance each.
     *
     * @return the texts of the segments closed on the way, in order
     */
    public List<String> addDocument(List<String> pieces) {
        List<String> closed = new ArrayList<>();
        for (String piece : pieces) {
            String segment = add(DOCUMENT_SPEAKER, piece);
            if (segment != null) {
                closed.add(segment);
            }
        }
        return closed;
    }

    /** The rendered utterances of the open segment, oldest first (fewer than w). */
    public List<String> openUtterances() {
        return List.copyOf(open);
    }

    /** Appends one rendered utterance; returns the closed segment's text, or null while the segment stays open. */
    private String add(String speaker, String text) {
        open.add(speaker + " said, \"" + Objects.requireNonNull(text, "text") + "\"");
        if (open.size() < utterancesPerSegment) {
            return null;
        }
        String segment = String.join("\n", open);
        open.clear();
        return segment;
    }

    /** The role with its first code point upper-cased in the root locale, so the result never depends on the JVM's locale. */
    private static String speaker(String role) {
        if (role.isEmpty()) {
            throw new IllegalArgumentException("a turn needs a role");
        }
        int first = role.offsetByCodePoints(0, 1);
        return role.substring(0, first).toUpperCase(Locale.ROOT) + role.substring(first);
    }
}
