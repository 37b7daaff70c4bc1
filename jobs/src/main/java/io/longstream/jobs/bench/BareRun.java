package io.longstream.jobs.bench;

import io.longstream.inference.AnswerDecoding;
import io.longstream.inference.BatchedWork;
import io.longstream.inference.ForwardBatch;
import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.memory.PolicyMemory;
import io.longstream.inference.memory.QuerySeeds;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenBuffer;
import io.longstream.inference.text.TokenStream;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicies;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's work on the bare runtime, with no Kafka, Flink or state: each session's events become its token
 * stream as the session operator makes it (BOS, documents, turns through the chat template), prefilled into a one-cache
 * memory in chunks of c* (a query flushes the rest), and each query is answered in a scratch overlay, one decode block
 * per step. Every tick takes up to max-batch runnable sessions round robin, each begins its next prefill chunk or answer
 * block, and all of them run as shared forward passes ({@link ForwardBatch}), as the operator's ticks do.
 */
final class BareRun {
    /** What the run did and how long its ticks took. */
    record Result(double seconds, Map<String, int[]> answers, long ingestedTokens, long promptTokens, int rejected) {
    }

    private final Model model;
    private final PipelineSettings settings;
    private final TokenStream tokens;

    BareRun(Model model, PipelineSettings settings) {
        check(settings);
        this.model = model;
        this.settings = settings;
        this.tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
    }

    /** Fails, naming the option, when the bare run cannot do the pipeline's work under these settings. */
    static void check(PipelineSettings settings) {
        if (settings.policy.episodic()) {
            throw new IllegalArgumentException("--policy " + settings.policy + ": the bare run holds one cache per session,"
                    + " so the benchmark takes one-cache policies only");
        }
    }

    Result run(BenchSessions work) {
        Map<String, Session> sessions = new LinkedHashMap<>();
        for (SessionEvent e : work.events()) {
            sessions.computeIfAbsent(e.getSessionId(), Session::new).queue.add(e);
        }
        LinkedHashSet<Session> runnable = new LinkedHashSet<>(sessions.values());
        ForwardBatch batch = new ForwardBatch(model.transformer());
        Map<String, int[]> answers = new HashMap<>();
        long t0 = System.nanoTime();
        while (!runnable.isEmpty()) {
            List<Session> taken = new ArrayList<>();
            for (Iterator<Session> it = runnable.iterator(); it.hasNext() && taken.size() < settings.maxBatch; ) {
                taken.add(it.next());
                it.remove();
            }
            List<BatchedWork> works = new ArrayList<>();
            List<Runnable> finishes = new ArrayList<>();
            for (Session s : taken) {
                Step step = s.begin(answers);
                if (step != null) {
                    works.add(step.work);
                    finishes.add(step.finish);
                }
            }
            batch.finish(works);
            finishes.forEach(Runnable::run);
            for (Session s : taken) {
                if (s.pending.length() > 0 || !s.queue.isEmpty()) {
                    runnable.add(s);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long ingested = 0;
        long prompts = 0;
        int rejected = 0;
        for (Session s : sessions.values()) {
            ingested += s.ingested;
            prompts += s.promptTokens;
            rejected += s.rejected;
        }
        return new Result(seconds, answers, ingested, prompts, rejected);
    }

    /** Expensive work begun, and what ends it once it has run. */
    private record Step(BatchedWork work, Runnable finish) {
    }

    /** One session: its events still to take, its pending tokens, its memory and the answer it is decoding. */
    private final class Session {
        final String id;
        final Deque<SessionEvent> queue = new ArrayDeque<>();
        final PolicyMemory memory;
        final TokenBuffer pending = new TokenBuffer();
        boolean started;
        Message previous;
        int[] answerTokens = new int[0];
        long ingested;
        long promptTokens;
        int rejected;

        Session(String id) {
            this.id = id;
            this.memory = new PolicyMemory(model.transformer(),
                    CachePolicies.build(settings.policy, model.config().layers, settings.chunk),
                    model.transformer().newCache(settings.cacheDtype));
        }

        /** Takes cheap steps (events into the stream) until a prefill chunk or an answer block begins; null when idle. */
        Step begin(Map<String, int[]> answers) {
            while (true) {
                if (pending.length() >= memory.chunk()) {
                    return prefill(memory.chunk());
                }
                SessionEvent head = queue.peek();
                if (head == null) {
                    return null;
                }
                if (head.getPayload() instanceof Query) {
                    if (pending.length() > 0) {
                        return prefill(pending.length());
                    }
                    Step answer = answer((Query) head.getPayload(), answers);
                    if (answer != null) {
                        return answer;
                    }
                    continue;
                }
                queue.poll();
                take(head.getPayload());
            }
        }

        private void take(Object payload) {
            int[] body;
            if (payload instanceof DocumentChunk) {
                body = tokens.document(((DocumentChunk) payload).getText());
                memory.observeDocument(body);
            } else {
                ConversationTurn turn = (ConversationTurn) payload;
                body = tokens.turn(previous, new Message(turn.getRole(), turn.getText()));
                memory.observeTurn(turn.getRole(), turn.getText());
                previous = new Message(turn.getRole(), turn.getText());
            }
            int[] stream = started ? body : tokens.withStart(body);
            if (memory.ingestRefusal(pending.length() + stream.length) != null) {
                rejected++;
                return;
            }
            pending.append(stream);
            started = true;
            ingested += stream.length;
        }

        private Step prefill(int count) {
            return new Step(memory.startPrefill(pending.take(count), false), () -> { });
        }

        /** The query's next answer block, or null when the query is refused (and has left the queue). */
        private Step answer(Query query, Map<String, int[]> answers) {
            int[] prompt = tokens.query(previous, query.getText());
            if (!started) {
                prompt = tokens.withStart(prompt);
            }
            if (memory.queryRefusal(prompt.length, query.getMaxNewTokens()) != null) {
                rejected++;
                queue.poll();
                return null;
            }
            if (answerTokens.length == 0) {
                promptTokens += prompt.length;
            }
            KvCache cache = memory.cache(memory.route(query.getText()));
            KvCache.Mark mark = cache.mark();
            Sampler sampler = Sampler.of(query.getTemperature(), query.getTopP(),
                    QuerySeeds.seed(query.getSeed(), id, query.getQueryId())).skip(answerTokens.length);
            AnswerDecoding decoding = new AnswerDecoding(model.transformer(), memory.queryChunk(), prompt, answerTokens, cache,
                    sampler, query.getMaxNewTokens(), model.stopTokenIds(), settings.decodeBlock, token -> { });
            return new Step(decoding, () -> {
                cache.rollback(mark);
                Generator.Result result = decoding.result();
                if (result.finishReason == null) {
                    answerTokens = result.tokens;
                    return;
                }
                answers.put(BenchSessions.key(id, query.getQueryId()), result.tokens);
                answerTokens = new int[0];
                queue.poll();
            });
        }
    }
}
