package io.longstream.conversations;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Long conversations in the shape of the long-memory QA benchmarks (LoCoMo, LongMemEval): topics that come and go,
 * personal facts stated once in a user turn or a shared document, later statements that change some of them,
 * talk in between, and questions whose answer is a fact stated earlier. A session depends only on (seed, index).
 */
public final class ConversationGenerator {
    /** Answers are a few words: two facts and an "and" fit in this many tokens of the demo model. */
    public static final int MAX_NEW_TOKENS = 24;
    /** Slots kept out of a session, so that questions about what was never said always have a subject. */
    private static final int HELD_BACK = 4;
    private static final int DEPTH_BANDS = 4;

    private static final List<String> SINGLE_QUESTIONS = List.of("What is {p}?", "Can you remind me what {p} is?",
            "Do you remember {p}?", "Quick question, what is {p}?", "Tell me {p}, please.");
    private static final List<String> TWO_QUESTIONS = List.of("What are {p} and {q}?", "Tell me {p} and {q}.",
            "Can you remind me of {p} and {q}?");
    private static final List<String> LEAD_INS = List.of("Oh, one more thing.", "Something you should know.",
            "By the way.", "Before I forget.", "Let me tell you something about me.");
    private static final List<String> DOCUMENT_INTROS = List.of("I am sharing a document with you.",
            "Here is something I copied for you.", "Have a look at this text.");
    private static final List<String> DOCUMENT_THANKS = List.of("Thanks, I have read it.", "Got it, thank you for sharing.",
            "I have gone through the document.");

    private final ConversationSpec spec;

    public ConversationGenerator(ConversationSpec spec) {
        this.spec = spec;
    }

    public ConversationSpec spec() {
        return spec;
    }

    public static String sessionId(long seed, int index) {
        return "conv-" + seed + "-" + index;
    }

    /** The events of session {@code index}, in order. */
    public List<ConversationEvent> session(int index) {
        if (index < 0 || index >= spec.sessions()) {
            throw new IllegalArgumentException("session " + index + " is not among the " + spec.sessions() + " sessions");
        }
        // SplittableRandom mixes its seed, so neighbouring indices give unrelated streams
        SplittableRandom rng = new SplittableRandom(spec.seed() + 0x9E3779B97F4A7C15L * (index + 1));
        return new SessionBuilder(rng, targetWords(rng)).build();
    }

    /** Log-uniform between the bounds: as many short sessions as long ones in each doubling. */
    private int targetWords(SplittableRandom rng) {
        double lo = Math.log(spec.minWords());
        double hi = Math.log(spec.maxWords());
        return (int) Math.round(Math.exp(lo + rng.nextDouble() * (hi - lo)));
    }

    /** A fact's statement: where it starts in the session's text. */
    private record Stated(String value, long offset) {
    }

    private static final class SessionBuilder {
        private final SplittableRandom rng;
        private final int targetWords;
        private final List<ConversationEvent> events = new ArrayList<>();
        private final Map<FactSlot, List<Stated>> stated = new LinkedHashMap<>();
        /** Fact statements still to make, in order, each with the word count after which it comes. */
        private final List<FactSlot> plannedFacts = new ArrayList<>();
        private final List<Integer> plannedAt = new ArrayList<>();
        private final List<Integer> queryAt = new ArrayList<>();
        private final List<FactSlot> heldBack;
        /** A statement handed out by dueFact, recorded when the event holding it is added. */
        private FactSlot pendingFact;
        private String pendingValue;
        private String pendingSentence;
        private int words;
        private long chars;
        private int documents;
        private int queries;

        SessionBuilder(SplittableRandom rng, int targetWords) {
            this.rng = rng;
            this.targetWords = targetWords;
            List<FactSlot> slots = new ArrayList<>(FactSlot.ALL);
            Collections.shuffle(slots, new Random(rng.nextLong()));
            heldBack = List.copyOf(slots.subList(0, HELD_BACK));
            List<FactSlot> told = slots.subList(HELD_BACK, slots.size());
            planFacts(told);
            int count = Math.max(2, targetWords / 350);
            for (int i = 0; i < count; i++) {
                queryAt.add((int) (targetWords * (0.1 + 0.9 * rng.nextDouble())));
            }
            Collections.sort(queryAt);
        }

        /** Statements at random places, about one per 100 words, then updates some time after their first. */
        private void planFacts(List<FactSlot> told) {
            int first = Math.min(told.size(), Math.max(3, targetWords / 100));
            List<int[]> plan = new ArrayList<>();
            for (int i = 0; i < first; i++) {
                int at = (int) (targetWords * 0.9 * rng.nextDouble());
                plan.add(new int[] {i, at});
                FactSlot slot = told.get(i);
                if (slot.updatable() && rng.nextDouble() < 0.4) {
                    plan.add(new int[] {i, at + (int) ((targetWords - at) * 0.9 * rng.nextDouble()) + 1});
                }
            }
            plan.sort((a, b) -> Integer.compare(a[1], b[1]));
            for (int[] p : plan) {
                plannedFacts.add(told.get(p[0]));
                plannedAt.add(p[1]);
            }
        }

        List<ConversationEvent> build() {
            Chatter.Topic topic = null;
            while (words < targetWords) {
                topic = nextTopic(topic);
                int exchanges = 2 + rng.nextInt(5);
                for (int e = 0; e < exchanges && words < targetWords; e++) {
                    if (rng.nextDouble() < 0.12) {
                        shareDocument(topic);
                    } else {
                        userTurn(topic);
                        add(ConversationEvent.turn("assistant", sentences(topic.assistant(), 1 + rng.nextInt(2))));
                    }
                    while (!queryAt.isEmpty() && queryAt.get(0) <= words) {
                        queryAt.remove(0);
                        ask();
                    }
                }
            }
            int last = 1 + rng.nextInt(2);
            for (int i = 0; i < last; i++) {
                ask();
            }
            return events;
        }

        private Chatter.Topic nextTopic(Chatter.Topic current) {
            Chatter.Topic next;
            do {
                next = Chatter.TOPICS.get(rng.nextInt(Chatter.TOPICS.size()));
            } while (next == current);
            return next;
        }

        private void userTurn(Chatter.Topic topic) {
            List<String> parts = new ArrayList<>();
            parts.add(sentences(topic.user(), 1 + rng.nextInt(3)));
            String fact = dueFact();
            if (fact != null) {
                String told = rng.nextBoolean() ? Lexicon.pick(rng, LEAD_INS) + " " + fact : fact;
                parts.add(rng.nextBoolean() ? 0 : 1, told);
            }
            add(ConversationEvent.turn("user", String.join(" ", parts)));
        }

        private void shareDocument(Chatter.Topic topic) {
            add(ConversationEvent.turn("user", Lexicon.pick(rng, DOCUMENT_INTROS)));
            List<String> lines = new ArrayList<>();
            lines.add(Chatter.fill(topic.document().get(0), rng));
            int body = 3 + rng.nextInt(5);
            for (int i = 0; i < body; i++) {
                lines.add(Chatter.fill(topic.document().get(1 + rng.nextInt(topic.document().size() - 1)), rng));
            }
            String fact = dueFact();
            if (fact != null) {
                lines.add(1 + rng.nextInt(lines.size()), fact);
            }
            documents++;
            add(ConversationEvent.document("doc" + documents, String.join("\n", lines)));
            add(ConversationEvent.turn("assistant", Lexicon.pick(rng, DOCUMENT_THANKS)));
        }

        /** The statement of the next planned fact when its place has come, or null. */
        private String dueFact() {
            if (plannedAt.isEmpty() || plannedAt.get(0) > words) {
                return null;
            }
            plannedAt.remove(0);
            FactSlot slot = plannedFacts.remove(0);
            List<Stated> before = stated.get(slot);
            String value;
            do {
                value = slot.values().draw(rng);
            } while (before != null && before.get(before.size() - 1).value().equals(value));
            List<String> templates = before == null ? slot.statements() : slot.updates();
            String sentence = Lexicon.pick(rng, templates).replace(FactSlot.VALUE, value);
            pendingFact = slot;
            pendingValue = value;
            pendingSentence = sentence;
            return sentence;
        }

        private String sentences(List<String> templates, int count) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                out.add(Chatter.fill(Lexicon.pick(rng, templates), rng));
            }
            return String.join(" ", out);
        }

        private void add(ConversationEvent event) {
            if (pendingFact != null) {
                long offset = chars + event.text().indexOf(pendingSentence);
                stated.computeIfAbsent(pendingFact, s -> new ArrayList<>()).add(new Stated(pendingValue, offset));
                pendingFact = null;
            }
            events.add(event);
            chars += event.text().length();
            words += event.text().split(" ").length;
        }

        private void ask() {
            queries++;
            String id = "q" + queries;
            double r = rng.nextDouble();
            List<FactSlot> once = new ArrayList<>();
            List<FactSlot> changed = new ArrayList<>();
            stated.forEach((slot, list) -> (list.size() == 1 ? once : changed).add(slot));
            if (r < 0.3 && !once.isEmpty()) {
                FactSlot slot = byDepthBand(once);
                Stated latest = latest(slot);
                events.add(ConversationEvent.query(id, question(SINGLE_QUESTIONS, slot.phrase(), null), latest.value(),
                        QuestionType.SINGLE, depth(latest)));
            } else if (r < 0.55 && !changed.isEmpty()) {
                FactSlot slot = byDepthBand(changed);
                Stated latest = latest(slot);
                events.add(ConversationEvent.query(id, question(SINGLE_QUESTIONS, slot.phrase(), null), latest.value(),
                        QuestionType.UPDATED, depth(latest)));
            } else if (r < 0.8 && stated.size() >= 2) {
                List<FactSlot> all = new ArrayList<>(stated.keySet());
                FactSlot a = byDepthBand(all);
                all.remove(a);
                FactSlot b = all.get(rng.nextInt(all.size()));
                Stated la = latest(a);
                Stated lb = latest(b);
                events.add(ConversationEvent.query(id, question(TWO_QUESTIONS, a.phrase(), b.phrase()),
                        la.value() + " and " + lb.value(), QuestionType.TWO_FACTS, depth(la.offset() < lb.offset() ? la : lb)));
            } else {
                List<FactSlot> unknown = new ArrayList<>(heldBack);
                for (FactSlot slot : FactSlot.ALL) {
                    if (!heldBack.contains(slot) && !stated.containsKey(slot)) {
                        unknown.add(slot);
                    }
                }
                FactSlot slot = unknown.get(rng.nextInt(unknown.size()));
                events.add(ConversationEvent.query(id, question(SINGLE_QUESTIONS, slot.phrase(), null), Answers.NOT_STATED,
                        QuestionType.NOT_STATED, Double.NaN));
            }
        }

        /** A slot whose latest statement lies in a depth band drawn uniformly from the bands that have one. */
        private FactSlot byDepthBand(List<FactSlot> candidates) {
            List<List<FactSlot>> bands = new ArrayList<>();
            for (int b = 0; b < DEPTH_BANDS; b++) {
                bands.add(new ArrayList<>());
            }
            for (FactSlot slot : candidates) {
                bands.get(Math.min(DEPTH_BANDS - 1, (int) (depth(latest(slot)) * DEPTH_BANDS))).add(slot);
            }
            bands.removeIf(List::isEmpty);
            List<FactSlot> band = bands.get(rng.nextInt(bands.size()));
            return band.get(rng.nextInt(band.size()));
        }

        private Stated latest(FactSlot slot) {
            List<Stated> list = stated.get(slot);
            return list.get(list.size() - 1);
        }

        private double depth(Stated s) {
            return (double) s.offset() / chars;
        }

        private String question(List<String> templates, String p, String q) {
            String text = Lexicon.pick(rng, templates).replace("{p}", p);
            return q == null ? text : text.replace("{q}", q);
        }
    }
}
