package io.longstream.it;

import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.memory.QuerySeeds;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.schemas.Control;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the runtime answers, computed directly and without Flink. With the full policy, for each
 * query a fresh cache is filled with the session's whole preceding token stream in one pass, then
 * the answer is decoded: the pipeline must produce the same tokens however it chunked, stored and
 * restored the cache. With an evicting policy the chunk boundaries matter (the Contracts fix them:
 * c* tokens as soon as c* are pending, a query flushes the rest), so the stream is prefilled in those
 * chunks into a session memory (a cache under the policy, or epicache's episodes), each query answered
 * from the cache the memory routes it to.
 */
final class DirectAnswers {
    private final Model model;
    private final TokenStream tokenStream;
    private final CacheDtype dtype;
    private final Function<String, SessionMemory> memories;

    DirectAnswers(Model model, CacheDtype dtype) {
        this(model, dtype, null);
    }

    /** @param memories a fresh memory for a session id (an evicting policy's cache, or episodes); null for full */
    DirectAnswers(Model model, CacheDtype dtype, Function<String, SessionMemory> memories) {
        this.model = model;
        this.tokenStream = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        this.dtype = dtype;
        this.memories = memories;
    }

    /** Answers' token ids by "session/query", for every query of {@code events} (in topic order). */
    Map<String, List<Integer>> answers(List<SessionEvent> events) {
        Map<String, List<SessionEvent>> bySession = new LinkedHashMap<>();
        for (SessionEvent e : events) {
            bySession.computeIfAbsent(e.getSessionId(), s -> new ArrayList<>()).add(e);
        }
        Map<String, List<Integer>> answers = new HashMap<>();
        bySession.forEach((session, own) -> answerSession(session, own, answers));
        return answers;
    }

    private void answerSession(String session, List<SessionEvent> events, Map<String, List<Integer>> answers) {
        if (memories != null) {
            answerInChunks(session, events, answers);
            return;
        }
        List<Integer> stream = new ArrayList<>();
        Message previous = null;
        for (SessionEvent e : events) {
            Object payload = e.getPayload();
            if (payload instanceof Control) {
                stream.clear();
                previous = null;
                continue;
            }
            int[] opening = stream.isEmpty() ? tokenStream.start() : new int[0];
            if (payload instanceof DocumentChunk) {
                add(stream, opening);
                add(stream, tokenStream.document(((DocumentChunk) payload).getText()));
            } else if (payload instanceof ConversationTurn) {
                ConversationTurn turn = (ConversationTurn) payload;
                Message message = new Message(turn.getRole(), turn.getText());
                add(stream, opening);
                add(stream, tokenStream.turn(previous, message));
                previous = message;
            } else {
                Query q = (Query) payload;
                answers.put(session + "/" + q.getQueryId(), answer(session, stream, previous, opening, q));
            }
        }
    }

    private void answerInChunks(String session, List<SessionEvent> events, Map<String, List<Integer>> answers) {
        SessionMemory memory = memories.apply(session);
        List<Integer> pending = new ArrayList<>();
        Message previous = null;
        boolean started = false;
        for (SessionEvent e : events) {
            Object payload = e.getPayload();
            int[] opening = started ? new int[0] : tokenStream.start();
            if (payload instanceof Query) {
                if (!pending.isEmpty()) {
                    prefill(memory, pending, pending.size());
                }
                Query q = (Query) payload;
                KvCache cache = memory.cache(memory.route(q.getText()));
                KvCache.Mark mark = cache.mark();
                answers.put(session + "/" + q.getQueryId(), decode(session, cache, previous, opening, q));
                cache.rollback(mark);
                continue;
            }
            add(pending, opening);
            started = true;
            if (payload instanceof DocumentChunk) {
                add(pending, tokenStream.document(((DocumentChunk) payload).getText()));
                memory.observeDocument(tokenStream.document(((DocumentChunk) payload).getText()));
            } else {
                ConversationTurn turn = (ConversationTurn) payload;
                Message message = new Message(turn.getRole(), turn.getText());
                add(pending, tokenStream.turn(previous, message));
                memory.observeTurn(turn.getRole(), turn.getText());
                previous = message;
            }
            while (pending.size() >= memory.chunk()) {
                prefill(memory, pending, memory.chunk());
            }
        }
    }

    private static void prefill(SessionMemory memory, List<Integer> pending, int count) {
        int[] chunk = new int[count];
        for (int i = 0; i < count; i++) {
            chunk[i] = pending.get(i);
        }
        pending.subList(0, count).clear();
        memory.prefill(chunk, false);
    }

    private List<Integer> answer(String session, List<Integer> stream, Message previous, int[] opening, Query q) {
        KvCache cache = model.transformer().newCache(dtype);
        if (!stream.isEmpty()) {
            new ChunkedPrefill(model.transformer(), stream.size()).run(stream.stream().mapToInt(Integer::intValue).toArray(), cache, false);
        }
        return decode(session, cache, previous, opening, q);
    }

    private List<Integer> decode(String session, KvCache cache, Message previous, int[] opening, Query q) {
        int[] query = tokenStream.query(previous, q.getText());
        int[] prompt = new int[opening.length + query.length];
        System.arraycopy(opening, 0, prompt, 0, opening.length);
        System.arraycopy(query, 0, prompt, opening.length, query.length);
        Sampler sampler = Sampler.of(q.getTemperature(), q.getTopP(), QuerySeeds.seed(q.getSeed(), session, q.getQueryId()));
        Generator.Result r = new Generator(model.transformer(), prompt.length)
                .generate(prompt, cache, sampler, q.getMaxNewTokens(), model.stopTokenIds(), token -> { });
        List<Integer> ids = new ArrayList<>();
        for (int t : r.tokens) {
            ids.add(t);
        }
        return ids;
    }

    private static void add(List<Integer> stream, int[] tokens) {
        for (int t : tokens) {
            stream.add(t);
        }
    }
}
