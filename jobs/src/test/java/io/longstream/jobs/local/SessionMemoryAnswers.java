package io.longstream.jobs.local;

import io.longstream.conversations.ConversationEvent;
import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ExpectedAnswer;
import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Generated conversations answered through the session memories as the session operator runs them (docs/architecture.md,
 * "Token stream"): the stream prefilled in chunks of c* as soon as c* tokens are pending, a query flushing the rest and
 * answered greedily in a scratch overlay on the cache its memory routes it to, which it leaves as it found it. As in the
 * training's evaluation, answers are not sent back as turns.
 */
final class SessionMemoryAnswers {
    /** A query's expected answer and the one the model gave. */
    record Answered(ExpectedAnswer expected, String answer) {
        boolean right() {
            return expected.isAnsweredBy(answer);
        }
    }

    private final Model model;
    private final SessionMemories memories;
    private final TokenStream tokens;

    SessionMemoryAnswers(Model model, SessionMemories memories) {
        this.model = model;
        this.memories = memories;
        this.tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
    }

    /** Every query of every session of {@code generator}, answered. */
    List<Answered> answerAll(ConversationGenerator generator) {
        List<Answered> answered = new ArrayList<>();
        for (int i = 0; i < generator.spec().sessions(); i++) {
            answerSession(ConversationGenerator.sessionId(generator.spec().seed(), i), generator.session(i), answered);
        }
        return answered;
    }

    private void answerSession(String session, List<ConversationEvent> events, List<Answered> answered) {
        SessionMemory memory = memories.create(session);
        List<Integer> pending = new ArrayList<>();
        Message previous = null;
        boolean started = false;
        for (ConversationEvent e : events) {
            int[] opening = started ? new int[0] : tokens.start();
            if (e.kind() == ConversationEvent.Kind.QUERY) {
                prefill(memory, pending, pending.size());
                int[] query = tokens.query(previous, e.text());
                int[] prompt = Arrays.copyOf(opening, opening.length + query.length);
                System.arraycopy(query, 0, prompt, opening.length, query.length);
                String answer = answer(memory, prompt, e.text());
                answered.add(new Answered(new ExpectedAnswer(session, e.id(), e.text(), e.expected(), e.questionType(), e.depth()),
                        answer));
                continue;
            }
            add(pending, opening);
            started = true;
            if (e.kind() == ConversationEvent.Kind.DOCUMENT) {
                int[] ids = tokens.document(e.text());
                add(pending, ids);
                memory.observeDocument(ids);
            } else {
                Message turn = new Message(e.role(), e.text());
                add(pending, tokens.turn(previous, turn));
                memory.observeTurn(e.role(), e.text());
                previous = turn;
            }
            while (pending.size() >= memory.chunk()) {
                prefill(memory, pending, memory.chunk());
            }
        }
    }

    private String answer(SessionMemory memory, int[] prompt, String question) {
        String refusal = memory.queryRefusal(prompt.length, ConversationGenerator.MAX_NEW_TOKENS);
        if (refusal != null) {
            throw new IllegalStateException("the query \"" + question + "\" is refused: " + refusal);
        }
        KvCache cache = memory.cache(memory.route(question));
        KvCache.Mark mark = cache.mark();
        Generator.Result r = new Generator(model.transformer(), memory.queryChunk())
                .generate(prompt, cache, Sampler.greedy(), ConversationGenerator.MAX_NEW_TOKENS, model.stopTokenIds(), t -> { });
        cache.rollback(mark);
        return model.tokenizer().decode(r.tokens);
    }

    private static void prefill(SessionMemory memory, List<Integer> pending, int count) {
        if (count == 0) {
            return;
        }
        int[] chunk = new int[count];
        for (int i = 0; i < count; i++) {
            chunk[i] = pending.get(i);
        }
        pending.subList(0, count).clear();
        memory.prefill(chunk, false);
    }

    private static void add(List<Integer> stream, int[] ids) {
        for (int id : ids) {
            stream.add(id);
        }
    }
}
